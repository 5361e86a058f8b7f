using Raft.Simulation.Linearizability;

namespace Raft.Simulation.Explorer;

/// <summary>
/// Builds the situation of the Raft paper's Figure 8 (§5.4.2) with partitions and clients pinned to one server, for any
/// group size n with majority q:
/// <list type="number">
/// <item>Leader L1 (term t) is cut off with n−q−1 followers (B) and a client: an entry x of term t lands on L1 and B
///   only. The other q peers (M) elect L2 (term t+1) and receive no client.</item>
/// <item>L2 is cut off alone with a client: it appends y (term t+1) on itself only.</item>
/// <item>L1, B and 2q−n peers of M without y (D) form a majority. Only a peer holding x can win (term t+2); it brings x to
///   a majority. No client reaches it, so it has no entry of its own term: correct Raft does not commit x; a leader
///   that counts an earlier term's replicas commits and applies it.</item>
/// <item>That leader is cut off; L2, the rest of M and 2q−n holders of x form a majority in which only L2 can win (its
///   last term t+1 is the highest; it has no vote from them otherwise). A client commits a new entry through L2, whose
///   log overwrites x. Had x been applied, two peers now apply different commands at one index.</item>
/// </list>
/// Every step waits for what it needs within bounds and gives up (healing the network) when it does not happen, so
/// the scenario is a fault like the others: correct Raft stays safe and live through it.
/// </summary>
internal sealed class Figure8Scenario(FaultInjector faults, Random random)
{
    private static readonly TimeSpan ElectionWait = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(5);

    /// <summary>Long enough for an entry to reach the peers of its side (a few heartbeats; the network may drop some).</summary>
    private static readonly TimeSpan ReplicationWait = TimeSpan.FromMilliseconds(400);

    private static readonly TimeSpan PinnedDeadline = TimeSpan.FromSeconds(3);

    private readonly List<Task> pinnedOperations = new();

    private int PeerCount => faults.Schedule.PeerCount;

    private int Quorum => PeerCount / 2 + 1;

    public async Task RunAsync()
    {
        try
        {
            await RunStepsAsync();
        }
        finally
        {
            faults.Cluster.Network.Heal();
            faults.Trace("figure 8: healed");
            await Task.WhenAll(pinnedOperations);
        }
    }

    private async Task RunStepsAsync()
    {
        await faults.HealEverythingAsync();
        var everyone = Enumerable.Range(0, PeerCount).ToArray();
        if (await faults.WaitForLeaderAsync(everyone, ElectionWait, Poll) is not (int l1, long t))
        {
            faults.Note("figure 8: no leader to start from");
            return;
        }
        var others = Shuffle(everyone.Where(p => p != l1));
        var b = others.Take(PeerCount - Quorum - 1).ToArray();
        var m = others.Skip(b.Length).ToArray();
        var clients = faults.ClientEndpoints.ToArray();

        // 1. x on L1 and B only; M elects L2 without clients.
        var x = faults.PinnedClient(l1);
        faults.Partition("figure 8 step 1 (L1, B and a client | M | the other clients)",
            [.. Hosts([l1, .. b]), Endpoint(x)], Hosts(m), clients);
        _ = Start(x, l1); // awaited at the end, with the other pinned operations
        if (await faults.WaitForLeaderAsync(m, ElectionWait, Poll) is not (int l2, long _))
        {
            faults.Note("figure 8: M elected no leader");
            return;
        }

        // 2. y on L2 alone.
        var y = faults.PinnedClient(l2);
        var rest = m.Where(p => p != l2).ToArray();
        faults.Partition($"figure 8 step 2 (L1={l1} and B | L2={l2} and a client | the rest of M | the other clients)",
            [.. Hosts([l1, .. b]), Endpoint(x)], [faults.Host(l2), Endpoint(y)], Hosts(rest), [.. clients]);
        _ = Start(y, l2);
        await Task.Delay(ReplicationWait, faults.Loop);

        // 3. A holder of x leads L1, B and D, and brings x to a majority; no client reaches it.
        var d = rest.Take(2 * Quorum - PeerCount).ToArray();
        var holders = new[] { l1 }.Concat(b).ToArray();
        faults.Partition("figure 8 step 3 (L1, B and D | L2 and the rest of M | the clients)",
            Hosts([.. holders, .. d]), Hosts([l2, .. rest.Skip(d.Length)]), [.. clients, Endpoint(x), Endpoint(y)]);
        if (await faults.WaitForLeaderAsync([.. holders, .. d], ElectionWait, Poll) is not (int l3, long _))
        {
            faults.Note("figure 8: L1, B and D elected no leader");
            return;
        }
        await Task.Delay(ReplicationWait, faults.Loop);

        // 4. L3 cut off; L2 wins with the rest of M and 2q−n holders of x, and commits a new entry of its term.
        var e = holders.Concat(d).Where(p => p != l3).Take(2 * Quorum - PeerCount).ToArray();
        var z = faults.PinnedClient(l2);
        var l2Side = new[] { l2 }.Concat(rest.Skip(d.Length)).Concat(e).ToArray();
        faults.Partition($"figure 8 step 4 (L3={l3} and the other holders of x | L2, the rest of M, E, and the clients)",
            Hosts(everyone.Except(l2Side)), [.. Hosts(l2Side), .. clients, Endpoint(z)], [Endpoint(x), Endpoint(y)]);
        if (await faults.WaitForLeaderAsync(l2Side, ElectionWait, Poll) is not (int l4, long t4))
        {
            faults.Note("figure 8: no leader on L2's side");
            return;
        }
        var answer = await Start(z, l2);
        faults.Note($"figure 8: every step ran: L1={l1} led term {t}, B=[{string.Join(",", b)}], L2={l2}, D=[{string.Join(",", d)}], " +
            $"L3={l3}, E=[{string.Join(",", e)}]; peer {l4} leads term {t4} on L2's side; the new entry through L2 {(answer is null ? "did not commit" : "committed")}");
    }

    private Task<VersionedKvOutput?> Start(ExplorerClient client, int peer)
    {
        faults.Trace($"figure 8: client {client.Name} appends through peer {peer} only");
        var operation = client.RunAsync(VersionedKvInput.Append(ExplorationRun.PinnedAppendKey, $"<{client.Number}.0>"));
        pinnedOperations.Add(operation);
        return operation;
    }

    private int[] Shuffle(IEnumerable<int> peers) => peers.OrderBy(_ => random.Next()).ToArray();

    private string[] Hosts(IEnumerable<int> peers) => peers.Select(faults.Host).ToArray();

    private static string Endpoint(ExplorerClient client) => SimulatedRaftCluster.ClientEndpoint(client.Name);
}
