using Raft.Runtime;
using Raft.TestingHost;
using Xunit;

namespace Raft.Tests.Runtime;

public sealed class GrainExecutionTests
{
    [Fact]
    public async Task NonReentrantGrainRunsOneRequestAtATimeUnderManyConcurrentCallers()
    {
        await using var cluster = await Clusters.DeployAsync();
        var grain = cluster.GrainFactory.GetGrain<ICounterGrain>("exclusive");
        var results = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => grain.Increment()));

        Assert.Equal(200, await grain.Get());
        Assert.Equal(Enumerable.Range(1, 200), results.OrderBy(x => x));
        Assert.Equal(1, await grain.MaxConcurrency());
    }

    [Fact]
    public async Task GrainKnowsItsKeyAndTypeNameFollowsTheOrleansConvention()
    {
        await using var cluster = await Clusters.DeployAsync();
        var grain = cluster.GrainFactory.GetGrain<ICounterGrain>("some/key");
        Assert.Equal("some/key", await grain.GetKey());
        Assert.Equal(new GrainId("counter", "some/key"), grain.GetGrainId());
    }

    [Fact]
    public async Task NonReentrantGrainsCallingEachOtherTimeOut()
    {
        await using var cluster = await Clusters.DeployAsync();
        var a = cluster.GrainFactory.GetGrain<IPingPongGrain>("a");
        var b = cluster.GrainFactory.GetGrain<IPingPongGrain>("b");
        using (GrainCallOptions.WithTimeout(TimeSpan.FromMilliseconds(500)))
        {
            await Assert.ThrowsAsync<TimeoutException>(() => a.Ping(b));
        }
    }

    [Fact]
    public async Task ReentrantGrainsCallingEachOtherMakeProgress()
    {
        await using var cluster = await Clusters.DeployAsync();
        var a = cluster.GrainFactory.GetGrain<IReentrantPingPongGrain>("a");
        var b = cluster.GrainFactory.GetGrain<IReentrantPingPongGrain>("b");
        using (GrainCallOptions.WithTimeout(TimeSpan.FromSeconds(5)))
        {
            Assert.Equal("pong from b via a", await a.Ping(b));
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TimerTicksNeverOverlapATurn(bool interleave)
    {
        await using var cluster = await Clusters.DeployAsync(silos: 1);
        var grain = cluster.GrainFactory.GetGrain<ITimerGrain>("t" + interleave);
        await grain.Start(periodMs: 1, interleave);
        for (var i = 0; i < 100; i++)
        {
            await Task.WhenAll(grain.Work(), grain.Work());
        }
        await grain.Stop();
        var (ticks, overlaps) = await grain.Stats();
        Assert.True(ticks > 10, $"only {ticks} ticks");
        if (interleave)
        {
            // An interleaving timer may run while a request is suspended at an await: that is its purpose.
            Assert.True(overlaps > 0, "an interleaving timer never interleaved");
        }
        else
        {
            Assert.Equal(0, overlaps);
        }
    }

    [Fact]
    public async Task CallToUnknownGrainTypeFailsWithClearError()
    {
        await using var cluster = await Clusters.DeployAsync(silos: 1);
        var grain = cluster.GrainFactory.GetGrain<INoSuchGrain>("x");
        var error = await Assert.ThrowsAsync<GrainCallException>(() => grain.Nothing());
        Assert.Contains("nosuch", error.Message);
    }

    [Fact]
    public async Task ExceptionThrownByAGrainReachesTheCaller()
    {
        await using var cluster = await Clusters.DeployAsync();
        var grain = cluster.GrainFactory.GetGrain<IThrowingGrain>("x");
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => grain.Throw("boom"));
        Assert.Equal("boom", error.Message);
    }
}

public interface INoSuchGrain : IGrainWithStringKey
{
    Task Nothing();
}

public interface IThrowingGrain : IGrainWithStringKey
{
    Task Throw(string message);
}

public sealed class ThrowingGrain : Grain, IThrowingGrain
{
    public Task Throw(string message) => throw new InvalidOperationException(message);
}
