using Raft.Simulation;
using Xunit;

namespace Raft.Tests.Simulation;

/// <summary>The simulated disk's power loss: a crash keeps every acknowledged write and a prefix of those on their way.</summary>
public sealed class PowerLossTests
{
    [Fact]
    public void ACrashKeepsWhatWasAcknowledgedAndAPrefixOfWhatWasStillOnItsWay()
    {
        var outcomes = new HashSet<string>();
        for (var seed = 1; seed <= 40; seed++)
        {
            var loop = new SimulationLoop();
            var disk = new SimulatedDisk();
            var survived = loop.Run(async () =>
            {
                var life = new PeerScheduler(loop, "kv/0#1");
                var storage = new SimulatedPeerStorage(disk, life, loop, TimeSpan.FromMilliseconds(5));
                await life.Run(async () =>
                {
                    var acknowledged = storage.Open<string>("a");
                    acknowledged.State = "a";
                    await acknowledged.WriteStateAsync();
                    Assert.Equal("a", disk.Get<string>("a"));
                    // Issued together, not awaited: still on their way when the power goes.
                    foreach (var name in new[] { "b", "c", "d" })
                    {
                        var record = storage.Open<string>(name);
                        record.State = name;
                        _ = record.WriteStateAsync();
                    }
                    Assert.Null(disk.Get<string>("b"));
                });
                life.Stop();
                var (landed, lost) = storage.PowerLoss(new Random(seed));
                Assert.Equal(3, landed + lost);
                return string.Concat(new[] { "a", "b", "c", "d" }.Where(name => disk.Get<string>(name) is not null));
            }, TimeSpan.FromSeconds(1));
            outcomes.Add(survived);
        }
        // Every prefix happens, and nothing but prefixes: a later write never survives without the earlier ones.
        Assert.Equal(new HashSet<string> { "a", "ab", "abc", "abcd" }, outcomes);
    }

    [Fact]
    public void WithoutLatencyAWriteLandsWhenIssuedAndACrashLosesNothing()
    {
        var loop = new SimulationLoop();
        var disk = new SimulatedDisk();
        loop.Run(async () =>
        {
            var life = new PeerScheduler(loop, "kv/0#1");
            var storage = new SimulatedPeerStorage(disk, life, loop, TimeSpan.Zero);
            var record = storage.Open<string>("a");
            record.State = "a";
            var write = record.WriteStateAsync();
            Assert.True(write.IsCompletedSuccessfully);
            life.Stop();
            Assert.Equal((0, 0), storage.PowerLoss(new Random(1)));
            Assert.Equal("a", disk.Get<string>("a"));
            await Task.CompletedTask;
        }, TimeSpan.FromSeconds(1));
    }
}
