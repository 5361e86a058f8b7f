using System.Text;
using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Raft.Tests.Peer;

/// <summary>
/// Safety under churn, in the spirit of 6.5840's Figure 8 (unreliable) and churn tests: while peers are disconnected,
/// crashed and restarted on an unreliable network, no two peers may ever apply different commands at one index, and
/// once the network heals the group must agree again.
/// </summary>
[Collection(PeerTestCollection.Name)]
public sealed class ChurnTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(11, false)]
    [InlineData(12, true)]
    public async Task AppliedLogsNeverDivergeUnderDisconnectsCrashesAndAnUnreliableNetwork(int seed, bool snapshots)
    {
        await using var raft = await RaftTestCluster.StartAsync(peers: 5, snapshotEvery: snapshots ? 3 : 0,
            configureCluster: o => o.Network.Seed = seed);
        var random = new Random(seed);
        raft.Network.Reliable = false;
        var proposals = 0;
        var starts = new List<Task>();

        for (var iteration = 0; iteration < 40; iteration++)
        {
            var victim = raft.PeerIds[random.Next(raft.PeerIds.Count)];
            switch (random.Next(10))
            {
                case < 3:
                    raft.Disconnect(victim);
                    break;
                case < 6:
                    foreach (var id in raft.PeerIds)
                    {
                        raft.Connect(id);
                    }
                    break;
                case < 8:
                    raft.Restart(victim);
                    break;
            }
            foreach (var id in raft.PeerIds)
            {
                var command = $"c{proposals++}";
                starts.Add(StartIgnoringCrashes(raft, id, command));
            }
            AssertNoDivergence(raft);
            // Pacing for the chaos, not a wait for a condition.
            await Task.Delay(TimeSpan.FromMilliseconds(random.Next(20, 300)));
        }

        foreach (var id in raft.PeerIds)
        {
            raft.Connect(id);
        }
        raft.Network.Reliable = true;
        await Task.WhenAll(starts);
        var index = await raft.OneAsync("final", timeout: TimeSpan.FromSeconds(20));
        output.WriteLine($"seed {seed}, snapshots {snapshots}: final agreement at index {index} after {proposals} proposals; statuses:");
        foreach (var id in raft.PeerIds)
        {
            output.WriteLine((await raft.Peer(id).GetStatus()).ToString());
        }
        AssertNoDivergence(raft);
        raft.AssertNoApplyErrors();
    }

    private static async Task StartIgnoringCrashes(RaftTestCluster raft, string id, string command)
    {
        try
        {
            await raft.Peer(id).Start(Encoding.UTF8.GetBytes(command));
        }
        catch (Exception exception) when (exception is TimeoutException or OrleansException)
        {
            // The peer crashed under the call, or was down (the lab network loses calls to it as a TimeoutException).
        }
    }

    private static void AssertNoDivergence(RaftTestCluster raft)
    {
        var applied = new Dictionary<long, (string Peer, string Command)>();
        foreach (var machine in raft.StateMachines.All)
        {
            foreach (var (index, command) in machine.State)
            {
                if (applied.TryGetValue(index, out var other) && other.Command != command)
                {
                    throw new XunitException($"index {index}: {other.Peer} applied '{other.Command}', {machine.PeerId} applied '{command}'");
                }
                applied[index] = (machine.PeerId, command);
            }
        }
    }
}
