using Raft.Simulation;
using Xunit;

namespace Raft.Tests.Simulation;

/// <summary>
/// What <see cref="LabNetwork"/> does to a call whose callee is cut off while the call is under way, as labrpc does
/// (review findings 9 and 11): a request on its way still reaches a callee that was only disconnected (its handler runs,
/// the reply is lost), but not one that crashed; and a caller whose callee is disconnected or crashes while handling
/// fails then, not when the handler ends. In virtual time on a <see cref="SimulationLoop"/>, so every instant is exact.
/// </summary>
public sealed class LabNetworkCutOffTests
{
    private const string Caller = "a";
    private const string Callee = "b";
    private static readonly TimeSpan OnItsWay = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan Handling = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan CutAt = TimeSpan.FromMilliseconds(5);

    [Fact]
    public void A_request_on_its_way_to_a_callee_that_is_disconnected_meanwhile_is_handled_and_only_its_reply_is_lost()
    {
        var (outcome, handled, received) = RequestOnItsWay(network => network.Disconnect(Callee));
        Assert.True(handled, "the handler ran");
        Assert.Equal(1, received);
        Assert.Equal("lost after 10 ms", outcome);
    }

    [Fact]
    public void A_request_on_its_way_to_a_callee_that_is_partitioned_away_meanwhile_is_handled_and_only_its_reply_is_lost()
    {
        var (outcome, handled, _) = RequestOnItsWay(network => network.Partition([Caller], [Callee]));
        Assert.True(handled, "the handler ran");
        Assert.Equal("lost after 10 ms", outcome);
    }

    [Fact]
    public void A_caller_whose_request_reached_a_callee_disconnected_meanwhile_fails_without_waiting_for_the_handler()
    {
        var (outcome, handled, _) = RequestOnItsWay(network => network.Disconnect(Callee), handling: Handling);
        Assert.True(handled, "the handler ran");
        Assert.Equal("lost after 10 ms", outcome);
    }

    [Fact]
    public void A_request_on_its_way_to_a_callee_that_crashes_meanwhile_is_never_handled()
    {
        var (outcome, handled, received) = RequestOnItsWay(network => network.NewIncarnation(Callee));
        Assert.False(handled, "a crashed callee ran the handler");
        Assert.Equal(0, received);
        Assert.Equal("lost after 10 ms", outcome);
    }

    [Fact]
    public void A_caller_whose_callee_is_disconnected_while_handling_fails_at_once()
    {
        var (outcome, handlerEnded) = CutWhileHandling(network => network.Disconnect(Callee));
        Assert.Equal("lost after 5 ms", outcome);
        Assert.True(handlerEnded, "the handler still ran to its end");
    }

    [Fact]
    public void A_caller_whose_own_host_is_disconnected_while_the_callee_handles_fails_at_once()
    {
        var (outcome, _) = CutWhileHandling(network => network.Disconnect(Caller));
        Assert.Equal("lost after 5 ms", outcome);
    }

    [Fact]
    public void A_caller_whose_callee_crashes_while_handling_fails_at_once()
    {
        var (outcome, _) = CutWhileHandling(network => network.NewIncarnation(Callee));
        Assert.Equal("lost after 5 ms", outcome);
    }

    [Fact]
    public void A_caller_waits_for_the_handler_when_only_other_hosts_are_cut_off()
    {
        var (outcome, _) = CutWhileHandling(network =>
        {
            network.Disconnect("c");
            network.NewIncarnation("c");
            network.Partition([Caller, Callee], ["c"]);
        });
        Assert.Equal("replied after 1000 ms", outcome);
    }

    /// <summary>
    /// A call whose request takes <see cref="OnItsWay"/> to arrive and whose handler takes <paramref name="handling"/>,
    /// and <paramref name="cut"/> at <see cref="CutAt"/>, before it arrives.
    /// </summary>
    private static (string Outcome, bool Handled, long Received) RequestOnItsWay(Action<LabNetwork> cut, TimeSpan handling = default)
    {
        var loop = new SimulationLoop();
        var handled = false;
        var network = new LabNetwork(new SimulatedNetworkOptions { Latency = OnItsWay }, loop);
        var outcome = loop.Run(async () =>
        {
            var call = CallAsync(network, loop, async () =>
            {
                handled = true;
                await Task.Delay(handling, loop);
            });
            await Task.Delay(CutAt, loop);
            cut(network);
            var result = await call;
            await Task.Delay(handling, loop); // let an abandoned handler end
            return result;
        }, TimeSpan.FromMinutes(1));
        return (outcome, handled, network.ReceivedCount(Callee));
    }

    /// <summary>A call whose handler takes <see cref="Handling"/>, and <paramref name="cut"/> at <see cref="CutAt"/>, while it runs.</summary>
    private static (string Outcome, bool HandlerEnded) CutWhileHandling(Action<LabNetwork> cut)
    {
        var loop = new SimulationLoop();
        var handlerEnded = false;
        var network = new LabNetwork(new SimulatedNetworkOptions(), loop);
        var outcome = loop.Run(async () =>
        {
            var call = CallAsync(network, loop, async () =>
            {
                await Task.Delay(Handling, loop);
                handlerEnded = true;
            });
            await Task.Delay(CutAt, loop);
            cut(network);
            var result = await call;
            await Task.Delay(Handling, loop); // let an abandoned handler end
            return result;
        }, TimeSpan.FromMinutes(1));
        return (outcome, handlerEnded);
    }

    private static async Task<string> CallAsync(LabNetwork network, SimulationLoop loop, Func<Task> handler)
    {
        var started = loop.GetTimestamp();
        try
        {
            await network.CallAsync(Caller, Caller, Callee, Callee, "Test", requestBytes: 1, handler, () => 1);
            return $"replied after {loop.GetElapsedTime(started).TotalMilliseconds:0} ms";
        }
        catch (LostMessageException)
        {
            return $"lost after {loop.GetElapsedTime(started).TotalMilliseconds:0} ms";
        }
    }
}
