using Microsoft.Extensions.Logging.Abstractions;
using Raft.Client;
using Raft.Grains;
using Raft.Simulation;
using Xunit;
using Xunit.Abstractions;

namespace Raft.Tests.KeyValue;

/// <summary>
/// The key-value client when the leader's process stops answering with a request of the client in it (a silo killed
/// with kill -9: Orleans fails the call only at its timeout). Virtual time on the simulator, so every duration below is
/// exact for its seed.
/// </summary>
public sealed class KeyValueClientFailoverTests(ITestOutputHelper output)
{
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(3);

    /// <summary>
    /// The survivors elect a leader within an election timeout or two (300-600 ms each); the client, having sent its
    /// request to them too once the old leader stayed silent for ProbeOthersAfter, is answered by the new leader well
    /// before its attempt on the old one times out.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void AWriteInFlightWhenTheLeaderFreezesIsAnsweredByTheNewLeaderBeforeTheAttemptTimesOut(int seed)
    {
        var (elapsed, leaderBefore, leaderAfter, value) = WriteWhileTheLeaderFreezes(seed, TimeSpan.FromMilliseconds(300));

        output.WriteLine($"seed {seed}: leader {leaderBefore} -> {leaderAfter}, write answered after {elapsed.TotalMilliseconds} ms");
        Assert.NotEqual(leaderBefore, leaderAfter);
        Assert.Equal("after", value);
        Assert.True(elapsed < AttemptTimeout / 2, $"seed {seed}: the write took {elapsed.TotalMilliseconds} ms of virtual time");
    }

    /// <summary>
    /// The same scenario with one peer at a time (the client before ProbeOthersAfter): the write waits out the attempt on
    /// the frozen leader. This is what the test above would see if probing broke, so the scenario does freeze the
    /// client's attempt.
    /// </summary>
    [Fact]
    public void WithoutProbesTheSameWriteWaitsOutTheAttemptTimeout()
    {
        var (elapsed, leaderBefore, leaderAfter, value) = WriteWhileTheLeaderFreezes(1, Timeout.InfiniteTimeSpan);

        output.WriteLine($"leader {leaderBefore} -> {leaderAfter}, write answered after {elapsed.TotalMilliseconds} ms");
        Assert.NotEqual(leaderBefore, leaderAfter);
        Assert.Equal("after", value);
        Assert.True(elapsed >= AttemptTimeout, $"the write took {elapsed.TotalMilliseconds} ms of virtual time");
    }

    /// <summary>
    /// A leader that is slow, not gone (every disk write takes 400 ms, so a write takes longer than ProbeOthersAfter):
    /// once the client has seen a few such answers it waits four times their smoothed time before probing, so it sends
    /// each request once. Copies would only add load to a group that is slow because it is loaded.
    /// </summary>
    [Fact]
    public void AClientOfASlowLeaderSendsEachRequestOnce()
    {
        const int Writes = 20;
        var loop = new SimulationLoop();
        var (sent, elapsed) = (0L, TimeSpan.Zero);
        Run(loop, 1, TimeSpan.FromMilliseconds(400), async cluster =>
        {
            var client = NewClient(cluster, "writer", TimeSpan.FromMilliseconds(300));
            for (var i = 0; i < 5; i++)
            {
                await client.PutAsync("k", $"warm-up {i}");
            }
            var sentBefore = cluster.Network.SentCount(SimulatedRaftCluster.ClientEndpoint("writer"));
            var started = loop.Elapsed;
            for (var i = 0; i < Writes; i++)
            {
                await client.PutAsync("k", $"write {i}");
            }
            elapsed = loop.Elapsed - started;
            sent = cluster.Network.SentCount(SimulatedRaftCluster.ClientEndpoint("writer")) - sentBefore;
        });

        output.WriteLine($"{Writes} writes in {elapsed.TotalMilliseconds} ms, {sent} requests sent");
        Assert.True(elapsed / Writes > TimeSpan.FromMilliseconds(300), $"a write took {elapsed.TotalMilliseconds / Writes} ms: not slower than ProbeOthersAfter");
        Assert.Equal(Writes, sent);
    }

    private static KeyValueClient NewClient(SimulatedRaftCluster cluster, string name, TimeSpan probeOthersAfter) =>
        new(new SimulatedKeyValueTransport(cluster, name), new KeyValueClientOptions
        {
            AttemptTimeout = AttemptTimeout,
            ProbeOthersAfter = probeOthersAfter,
        }, cluster.Loop);

    /// <summary>Runs <paramref name="scenario"/> on a started group of three key-value servers in virtual time.</summary>
    private static void Run(SimulationLoop loop, int seed, TimeSpan diskWriteLatency, Func<SimulatedRaftCluster, Task> scenario)
    {
        Exception? failure = null;
        loop.Run(async () =>
        {
            try
            {
                var cluster = new SimulatedRaftCluster(loop, SimulatedKeyValue.Options(loop, "kv", ["0", "1", "2"], new RaftOptions(),
                    new KeyValueOptions(), new SimulatedNetworkOptions { Seed = seed }, NullLoggerFactory.Instance, diskWriteLatency: diskWriteLatency));
                foreach (var peer in cluster.PeerIds)
                {
                    await cluster.StartAsync(peer);
                }
                await scenario(cluster);
            }
            catch (Exception exception)
            {
                failure = exception;
            }
        }, TimeSpan.FromMinutes(5));
        if (failure is not null)
        {
            throw new Xunit.Sdk.XunitException($"seed {seed}: {failure}");
        }
    }

    private static (TimeSpan Elapsed, string LeaderBefore, string LeaderAfter, string? Value) WriteWhileTheLeaderFreezes(
        int seed, TimeSpan probeOthersAfter)
    {
        var loop = new SimulationLoop();
        var result = default((TimeSpan, string, string, string?));
        Run(loop, seed, TimeSpan.Zero, async cluster =>
        {
            var client = NewClient(cluster, "writer", probeOthersAfter);
            await client.PutAsync("k", "before");
            var leaderBefore = client.LeaderPeer;

            // Frozen for longer than the test: its attempt is answered only by the client's timeout.
            cluster.Stall($"kv/{leaderBefore}", TimeSpan.FromMinutes(1));
            var started = loop.Elapsed;
            await client.PutAsync("k", "after");
            var elapsed = loop.Elapsed - started;

            var reader = new KeyValueClient(new SimulatedKeyValueTransport(cluster, "reader"), new KeyValueClientOptions
            {
                Peers = [.. new[] { "0", "1", "2" }.Where(p => p != leaderBefore)],
            }, loop);
            var (value, _) = await reader.GetAsync("k");
            result = (elapsed, leaderBefore, client.LeaderPeer, value);
        });
        return result;
    }
}
