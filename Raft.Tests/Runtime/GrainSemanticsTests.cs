using Microsoft.Extensions.Hosting;
using Raft.Runtime;
using Raft.Runtime.Hosting;
using Raft.TestingHost;
using Xunit;

namespace Raft.Tests.Runtime;

public sealed class GrainSemanticsTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task ReadOnlyRequestsInterleaveWithEachOtherButNotWithWrites()
    {
        await using var cluster = await Clusters.DeployAsync(silos: 1);
        var grain = cluster.GrainFactory.GetGrain<ISemanticsGrain>("readonly");
        var gate = Guid.NewGuid().ToString();
        var first = grain.ReadWhenReleased(gate);
        var second = grain.ReadWhenReleased(gate);
        await TestGates.Arrived(gate).WaitAsync(Patience);
        var write = grain.Write(5);
        // Both reads are inside the grain at once; the write waits for them.
        Assert.False(write.IsCompleted);
        TestGates.Release(gate);
        var reads = await Task.WhenAll(first, second).WaitAsync(Patience);
        Assert.Equal(new[] { 0, 0 }, reads);
        Assert.Equal(5, await write.WaitAsync(Patience));
    }

    [Fact]
    public async Task AlwaysInterleaveRunsWhileANonReentrantRequestHoldsTheActivation()
    {
        await using var cluster = await Clusters.DeployAsync(silos: 1);
        var grain = cluster.GrainFactory.GetGrain<ISemanticsGrain>("interleave");
        var gate = Guid.NewGuid().ToString();
        var holder = grain.HoldTurnUntilReleased(gate);
        await TestGates.Arrived(gate).WaitAsync(Patience);
        Assert.Equal("interleaved", await grain.Interleaving().WaitAsync(Patience));
        var blocked = grain.Read();
        Assert.False(blocked.IsCompleted);
        TestGates.Release(gate);
        await holder.WaitAsync(Patience);
        await blocked.WaitAsync(Patience);
    }

    [Fact]
    public async Task OneWayCallReturnsBeforeTheMethodRuns()
    {
        await using var cluster = await Clusters.DeployAsync(silos: 1);
        var grain = cluster.GrainFactory.GetGrain<ISemanticsGrain>("oneway");
        var gate = Guid.NewGuid().ToString();
        await grain.FireAndForget(gate, 42).WaitAsync(Patience);
        await TestGates.Arrived(gate).WaitAsync(Patience);
        TestGates.Release(gate);
        Assert.Equal(42, await grain.Read().WaitAsync(Patience));
    }

    [Fact]
    public async Task ResponseTimeoutAttributeOverridesTheDefault()
    {
        await using var cluster = await Clusters.DeployAsync(silos: 1);
        var grain = cluster.GrainFactory.GetGrain<ISemanticsGrain>("timeout");
        var gate = Guid.NewGuid().ToString();
        var started = cluster.Options.Time.GetTimestamp();
        await Assert.ThrowsAsync<TimeoutException>(() => grain.SlowWithShortTimeout(gate));
        Assert.InRange(cluster.Options.Time.GetElapsedTime(started), TimeSpan.FromMilliseconds(150), TimeSpan.FromSeconds(10));
        TestGates.Release(gate);
    }

    [Fact]
    public async Task CancellingTheCallersTokenCancelsTheCallAndTheCallee()
    {
        await using var cluster = await Clusters.DeployAsync(silos: 1);
        var grain = cluster.GrainFactory.GetGrain<ISemanticsGrain>("cancel");
        using var cancellation = new CancellationTokenSource();
        var call = grain.WaitForCancellation("cancel-1", cancellation.Token);
        await TestGates.Arrived("cancel-1").WaitAsync(Patience);
        Assert.False(call.IsCompleted);
        cancellation.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.WaitAsync(Patience));
        var deadline = DateTime.UtcNow + Patience;
        while (!SemanticsGrain.ObservedCancellation.ContainsKey("cancel-1") && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }
        Assert.True(SemanticsGrain.ObservedCancellation.ContainsKey("cancel-1"), "the grain's token was not cancelled");
    }

    [Fact]
    public async Task DeactivateOnIdleRunsOnDeactivateAndTheNextCallGetsANewActivation()
    {
        await using var cluster = await Clusters.DeployAsync(silos: 1);
        var grain = cluster.GrainFactory.GetGrain<ISemanticsGrain>("deactivate");
        var first = await grain.ActivationNumber();
        await grain.Deactivate();
        var deadline = DateTime.UtcNow + Patience;
        while (cluster.IsActive(grain.GetGrainId()) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(5);
        }
        Assert.Equal(1, SemanticsGrain.Deactivations.GetValueOrDefault("deactivate:ApplicationRequested"));
        Assert.NotEqual(first, await grain.ActivationNumber());
    }

    [Fact]
    public async Task IdleActivationsAreCollectedUnlessAKeepAliveTimerRuns()
    {
        var time = new ManualTimeProvider();
        await using var cluster = await Clusters.DeployAsync(silos: 1, options =>
        {
            options.Time = time;
            var inner = options.ConfigureSilo;
            options.ConfigureSilo = silo =>
            {
                inner?.Invoke(silo);
                silo.Configure<SiloOptions>(o =>
                {
                    o.CollectionAge = TimeSpan.FromMinutes(2);
                    o.CollectionQuantum = TimeSpan.FromSeconds(30);
                });
            };
        });
        var idle = cluster.GrainFactory.GetGrain<ISemanticsGrain>("idle");
        var kept = cluster.GrainFactory.GetGrain<ISemanticsGrain>("kept");
        await idle.Read();
        await kept.StartKeepAliveTimer();

        time.Advance(TimeSpan.FromMinutes(1));
        Assert.True(cluster.IsActive(idle.GetGrainId()));
        for (var i = 0; i < 8; i++)
        {
            time.Advance(TimeSpan.FromSeconds(30));
        }
        var deadline = DateTime.UtcNow + Patience;
        while (cluster.IsActive(idle.GetGrainId()) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(5);
        }
        Assert.False(cluster.IsActive(idle.GetGrainId()));
        Assert.Equal(1, SemanticsGrain.Deactivations.GetValueOrDefault("idle:ActivationIdle"));
        Assert.True(cluster.IsActive(kept.GetGrainId()));
    }

    [Fact]
    public async Task AMethodWithAnUnserializableArgumentFailsOnFirstUseNamingTheMethod()
    {
        await using var cluster = await Clusters.DeployAsync(silos: 1);
        var error = Assert.Throws<InvalidOperationException>(() => cluster.GrainFactory.GetGrain<IBadContractGrain>("x"));
        Assert.Contains("IBadContractGrain.Take", error.Message);
    }

    [Fact]
    public async Task AnUnwritableSqlitePathFailsSiloStartNamingThePath()
    {
        var blocker = Path.GetTempFileName(); // a file where the database's directory should be
        try
        {
            var path = Path.Combine(blocker, "sub", "raft.db");
            var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
            builder.UseSilo(silo => silo
                .AddSqliteGrainStorage("Default", o => o.Path = path)
                .Configure<SiloOptions>(o =>
                {
                    o.SiloPort = 0;
                    o.GatewayPort = 0;
                }));
            using var host = builder.Build();
            var error = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync());
            Assert.Contains(blocker, error.Message);
        }
        finally
        {
            File.Delete(blocker);
        }
    }
}
