using Raft.Runtime;
using Raft.Runtime.Concurrency;
using Raft.Tests.Runtime;

namespace Raft.Tests.Simulation;

[Raft.Runtime.GenerateSerializer]
public sealed record GossipState(int Received, long Sum);

public interface IGossipGrain : IGrainWithStringKey
{
    /// <summary>Starts a timer that, every <paramref name="periodMs"/>, sends the next peer a value and increments <paramref name="counter"/>.</summary>
    Task Start(string[] peers, int periodMs, string counter);

    Task<int> Receive(string from, int value);

    /// <summary>Everything this activation counted, as one line (equal runs give equal lines).</summary>
    Task<string> Report();
}

/// <summary>
/// A grain for the determinism tests: a timer drives calls to other gossip grains and to a non-reentrant persistent
/// counter, through the simulated network; a receipt takes a few milliseconds (of the silo's clock) and is persisted.
/// Failures are counted by exception type. No randomness of its own: all variation comes from the network's seed.
/// </summary>
[Reentrant]
public sealed class GossipGrain([PersistentState("gossip")] IPersistentState<GossipState> state, TimeProvider time) : Grain, IGossipGrain
{
    private readonly SortedDictionary<string, int> failures = new(StringComparer.Ordinal);
    private string[] peers = [];
    private string counter = "";
    private int ticks;
    private int delivered;
    private int counted;
    private IGrainTimer? timer;

    public Task Start(string[] peers, int periodMs, string counter)
    {
        this.peers = peers;
        this.counter = counter;
        timer?.Dispose();
        var period = TimeSpan.FromMilliseconds(periodMs);
        timer = RegisterGrainTimer(TickAsync, new GrainTimerCreationOptions(period, period));
        return Task.CompletedTask;
    }

    private async Task TickAsync(CancellationToken cancellationToken)
    {
        ticks++;
        var peer = peers[ticks % peers.Length];
        try
        {
            await GrainFactory.GetGrain<IGossipGrain>(peer).Receive(this.GetPrimaryKeyString(), ticks);
            delivered++;
        }
        catch (Exception exception)
        {
            Count(exception);
        }
        try
        {
            await GrainFactory.GetGrain<IPersistentCounterGrain>(counter).Increment();
            counted++;
        }
        catch (Exception exception)
        {
            Count(exception);
        }
    }

    public async Task<int> Receive(string from, int value)
    {
        await Task.Delay(TimeSpan.FromMilliseconds(value % 7), time);
        var current = state.State ?? new GossipState(0, 0);
        state.State = new GossipState(current.Received + 1, current.Sum + value);
        await state.WriteStateAsync();
        return state.State.Received;
    }

    public Task<string> Report()
    {
        var current = state.State ?? new GossipState(0, 0);
        return Task.FromResult(
            $"{this.GetPrimaryKeyString()}: ticks={ticks} delivered={delivered} counted={counted} received={current.Received} sum={current.Sum} " +
            $"failures=[{string.Join(", ", failures.Select(f => $"{f.Key}:{f.Value}"))}]");
    }

    private void Count(Exception exception)
    {
        var name = exception.GetType().Name;
        failures[name] = failures.GetValueOrDefault(name) + 1;
    }
}
