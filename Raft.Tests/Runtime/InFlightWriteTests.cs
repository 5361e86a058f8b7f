using Microsoft.Extensions.DependencyInjection;
using Raft.Runtime;
using Raft.Runtime.Hosting;
using Raft.Runtime.Storage;
using Raft.TestingHost;
using Raft.Simulation;
using Xunit;

namespace Raft.Tests.Runtime;

/// <summary>
/// A crash (of a grain or of its silo) models a machine crash: a storage write the activation had already handed to its
/// provider goes on and lands, and the grain's next activation reads its state only once that write has ended. Run in
/// the simulation, in virtual time, on a provider whose writes take <see cref="WriteTime"/>.
/// </summary>
public sealed class InFlightWriteTests
{
    private static readonly TimeSpan WriteTime = TimeSpan.FromSeconds(1);

    public enum Crash
    {
        Grain,
        Silo,
    }

    [Theory]
    [InlineData(Crash.Grain)]
    [InlineData(Crash.Silo)]
    public void AWriteInFlightAtACrashLands_AndTheNextActivationReadsOnlyAfterIt(Crash crash)
    {
        var loop = new SimulationLoop();
        var storage = new SlowWrites(loop);
        loop.Run(async () =>
        {
            await using var cluster = await DeployAsync(loop, storage);
            var grain = cluster.GrainFactory.GetGrain<IPersistentCounterGrain>("zombie");
            Assert.Equal(1, await grain.Increment());

            var inFlight = grain.Increment();
            await Task.Delay(WriteTime / 4, loop);
            Assert.Equal(1, storage.WritesStarted - storage.WritesEnded);
            var crashedAt = loop.Elapsed;
            if (crash == Crash.Grain)
            {
                cluster.CrashGrain(grain.GetGrainId());
            }
            else
            {
                await cluster.KillSiloAsync("silo0");
            }
            await Assert.ThrowsAnyAsync<Exception>(() => inFlight);
            if (crash == Crash.Silo)
            {
                await cluster.RestartSiloAsync("silo0");
                grain = cluster.GrainFactory.GetGrain<IPersistentCounterGrain>("zombie"); // the old one was the killed silo's
            }

            // The new activation waits for the crashed one's write, then reads it: the increment that was never
            // acknowledged is there, and the next write does not conflict with it.
            Assert.Equal(2, await grain.Get());
            Assert.Equal(2, storage.WritesEnded);
            Assert.True(storage.LastWriteEndedAt > crashedAt, "the write did not go on after the crash");
            Assert.True(storage.FirstReadAfter(crashedAt) >= storage.LastWriteEndedAt,
                $"the new activation read at {storage.FirstReadAfter(crashedAt)}, before the write in flight ended at {storage.LastWriteEndedAt}");
            Assert.Equal(3, await grain.Increment());
        }, TimeSpan.FromMinutes(1));
    }

    [Fact]
    public void TheClusterWaitsForAGrainsWritesInFlight()
    {
        var loop = new SimulationLoop();
        var storage = new SlowWrites(loop);
        loop.Run(async () =>
        {
            await using var cluster = await DeployAsync(loop, storage);
            var grain = cluster.GrainFactory.GetGrain<IPersistentCounterGrain>("waited-for");
            _ = grain.Increment();
            await Task.Delay(WriteTime / 4, loop);
            cluster.CrashGrain(grain.GetGrainId());

            await cluster.WaitForStorageWritesAsync(grain.GetGrainId());
            Assert.Equal(1, storage.WritesEnded);
            Assert.Equal(WriteTime, storage.LastWriteEndedAt);
        }, TimeSpan.FromMinutes(1));
    }

    private static Task<TestCluster> DeployAsync(SimulationLoop loop, SlowWrites storage) => TestCluster.DeployAsync(new TestClusterOptions
    {
        SiloCount = 1,
        Simulation = loop,
        MemoryStorageNames = [],
        ConfigureSilo = silo =>
        {
            silo.AddGrains(typeof(Clusters).Assembly);
            silo.Services.AddKeyedSingleton<IGrainStorage>("Default", storage);
        },
    });

    /// <summary>Memory storage whose writes take <see cref="WriteTime"/> of virtual time before they are applied.</summary>
    private sealed class SlowWrites(SimulationLoop loop) : IGrainStorage
    {
        private readonly MemoryGrainStorage inner = new(new WireGrainStorageSerializer());
        private readonly List<TimeSpan> reads = [];

        public int WritesStarted { get; private set; }

        public int WritesEnded { get; private set; }

        public TimeSpan LastWriteEndedAt { get; private set; }

        public TimeSpan? FirstReadAfter(TimeSpan time) => reads.Where(read => read > time).Cast<TimeSpan?>().FirstOrDefault();

        public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            reads.Add(loop.Elapsed);
            return inner.ReadStateAsync(stateName, grainId, grainState);
        }

        public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            WritesStarted++;
            // Everything the write needs is taken now, as a request sent over the network would be.
            var sent = new GrainState<T>(grainState.State, grainState.ETag, grainState.RecordExists);
            await Task.Delay(WriteTime, loop);
            await inner.WriteStateAsync(stateName, grainId, sent);
            grainState.ETag = sent.ETag;
            grainState.RecordExists = true;
            WritesEnded++;
            LastWriteEndedAt = loop.Elapsed;
        }

        public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
            inner.ClearStateAsync(stateName, grainId, grainState);
    }
}
