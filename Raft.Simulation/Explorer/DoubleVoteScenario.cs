namespace Raft.Simulation.Explorer;

/// <summary>
/// Builds the situation in which a vote lost in a crash elects two leaders of one term:
/// <list type="number">
/// <item>The leader (term T−1) crashes. Every other peer is armed to crash right after its next promise (a vote grant
///   or an append success reached the asker) and to restart a few milliseconds later.</item>
/// <item>A peer P wins term T; its voters crash the moment their grants arrive. With a disk write latency, a vote whose
///   reply did not wait for the disk is still on its way then, and the power loss may drop it: the voter restarts at
///   term T−1 with no vote.</item>
/// <item>P is cut off at once (before its heartbeats reach the restarted voters), and the crashed leader restarts on
///   the others' side. Correct Raft: every voter still knows it voted in term T, so the next leader is of term T+1. A
///   voter that lost its vote grants another candidate in term T: two leaders of term T (the watcher's check).</item>
/// </list>
/// </summary>
internal sealed class DoubleVoteScenario(FaultInjector faults)
{
    private static readonly TimeSpan ElectionWait = TimeSpan.FromSeconds(5);

    /// <summary>A millisecond: P must be cut off before a restarted voter hears from it (restarts take 5 ms).</summary>
    private static readonly TimeSpan WinnerPoll = TimeSpan.FromMilliseconds(1);

    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(5);
    private static readonly TimeSpan RestartAfterPromise = TimeSpan.FromMilliseconds(5);

    public async Task RunAsync()
    {
        var cluster = faults.Cluster;
        var everyone = Enumerable.Range(0, faults.Schedule.PeerCount).ToArray();
        try
        {
            await faults.HealEverythingAsync();
            if (await faults.WaitForLeaderAsync(everyone, ElectionWait, Poll) is not (int leader, long _))
            {
                faults.Note("double vote: no leader to start from");
                return;
            }
            var others = everyone.Where(p => p != leader).ToArray();
            faults.CrashPeer(leader);
            foreach (var peer in others)
            {
                cluster.CrashAfterNextReply(faults.PeerId(peer), RestartAfterPromise);
            }
            faults.Trace($"double vote: leader {leader} crashed; peers {string.Join(",", others)} crash right after their next promise");
            if (await faults.WaitForLeaderAsync(others, ElectionWait, WinnerPoll) is not (int winner, long term))
            {
                faults.Note("double vote: no peer won");
                return;
            }
            var rest = others.Where(p => p != winner).ToArray();
            faults.Partition($"double vote (the winner {winner} | the others, the restarted leader and the clients)",
                [faults.Host(winner)], [.. rest.Select(faults.Host), faults.Host(leader), .. faults.ClientEndpoints]);
            DisarmAll(others);
            await faults.RestartPeerAsync(leader);
            if (await faults.WaitForLeaderAsync([.. rest, leader], ElectionWait, Poll) is (int second, long secondTerm))
            {
                faults.Note($"double vote: peer {winner} won term {term} and was cut off; then peer {second} led term {secondTerm} on the other side");
            }
            else
            {
                faults.Note("double vote: the others elected no leader");
            }
        }
        finally
        {
            DisarmAll(everyone);
            cluster.Network.Heal();
            faults.Trace("double vote: healed");
        }
    }

    private void DisarmAll(IEnumerable<int> peers)
    {
        foreach (var peer in peers)
        {
            faults.Cluster.CancelCrashAfterReply(faults.PeerId(peer));
        }
    }
}
