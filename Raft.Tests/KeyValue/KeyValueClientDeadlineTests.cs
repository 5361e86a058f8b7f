using Microsoft.Extensions.Logging.Abstractions;
using Raft.Client;
using Raft.Grains;
using Raft.Simulation;
using Xunit;

namespace Raft.Tests.KeyValue;

/// <summary>The key-value client's deadline in virtual time, where time moves only when every task waits for it.</summary>
public sealed class KeyValueClientDeadlineTests
{
    /// <summary>
    /// A deadline of 1000.5 ms with 1 s attempts against an unreachable group: the first attempt times out after
    /// 1000 ms (.NET timeouts count whole milliseconds), leaving half a millisecond. The client must then give up, not
    /// start attempts that time out at once without any time passing (found by the fault explorer, seed 119).
    /// </summary>
    [Fact]
    public void AnOperationWithLessThanAMillisecondLeftTimesOutInsteadOfRetryingAtOneInstant()
    {
        var loop = new SimulationLoop();
        Exception? failure = null;
        var finishedAt = TimeSpan.Zero;
        // On a thread of its own so that a regression fails the test after a minute instead of hanging the run.
        var thread = new Thread(() => loop.Run(async () =>
        {
            var cluster = new SimulatedRaftCluster(loop, SimulatedKeyValue.Options(loop, "kv", ["0", "1", "2"], new RaftOptions(),
                new KeyValueOptions(), new SimulatedNetworkOptions(), NullLoggerFactory.Instance));
            foreach (var peer in cluster.PeerIds)
            {
                await cluster.StartAsync(peer);
            }
            cluster.Network.LongDelays = true; // a call to a disconnected host fails only after up to 7 s
            cluster.Network.Disconnect(SimulatedRaftCluster.ClientEndpoint("cut-off"));
            var client = new KeyValueClient(new SimulatedKeyValueTransport(cluster, "cut-off"), new KeyValueClientOptions
            {
                OperationDeadline = TimeSpan.FromMilliseconds(1000.5),
                AttemptTimeout = TimeSpan.FromSeconds(1),
            }, loop);
            try
            {
                await client.PutAsync("k", "v");
            }
            catch (Exception exception)
            {
                failure = exception;
            }
            finishedAt = loop.Elapsed;
        }, TimeSpan.FromMinutes(1))) { IsBackground = true };
        thread.Start();

        Assert.True(thread.Join(TimeSpan.FromSeconds(60)), $"the client still retries at virtual time {loop.Elapsed} after {loop.EventCount} events");
        Assert.IsType<KeyValueTimeoutException>(failure);
        Assert.InRange(finishedAt, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2));
    }
}
