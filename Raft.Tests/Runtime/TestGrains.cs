using System.Runtime.CompilerServices;
using System.Collections.Concurrent;
using Raft.Runtime;
using Raft.Runtime.Concurrency;

namespace Raft.Tests.Runtime;

public interface ICounterGrain : IGrainWithStringKey
{
    Task<int> Increment();

    Task<int> Get();

    /// <summary>The largest number of turns ever seen running at once in this activation.</summary>
    Task<int> MaxConcurrency();

    Task<string> GetKey();
}

/// <summary>Non-reentrant; each increment suspends mid-update so that interleaving would lose updates.</summary>
public sealed class CounterGrain : Grain, ICounterGrain
{
    private int count;
    private int inside;
    private int maxInside;

    public async Task<int> Increment()
    {
        Enter();
        var read = count;
        Exit();
        await Task.Yield();
        Enter();
        count = read + 1;
        Exit();
        return count;
    }

    public Task<int> Get() => Task.FromResult(count);

    public Task<int> MaxConcurrency() => Task.FromResult(maxInside);

    public Task<string> GetKey() => Task.FromResult(this.GetPrimaryKeyString());

    private void Enter()
    {
        var now = Interlocked.Increment(ref inside);
        maxInside = Math.Max(maxInside, now);
        Thread.SpinWait(200);
    }

    private void Exit() => Interlocked.Decrement(ref inside);
}

public interface IPingPongGrain : IGrainWithStringKey
{
    /// <summary>Calls <paramref name="other"/>.Pong, which calls back this grain's Pong.</summary>
    Task<string> Ping(IPingPongGrain other);

    Task<string> Pong(IPingPongGrain caller);

    Task<string> Name();
}

[GrainType("pingpong")]
public sealed class NonReentrantPingPongGrain : Grain, IPingPongGrain
{
    public Task<string> Ping(IPingPongGrain other) => other.Pong(this.AsReference<IPingPongGrain>());

    public async Task<string> Pong(IPingPongGrain caller) => "pong from " + this.GetPrimaryKeyString() + " via " + await caller.Name();

    public Task<string> Name() => Task.FromResult(this.GetPrimaryKeyString());
}

[DefaultGrainType("reentrantpingpong")]
public interface IReentrantPingPongGrain : IPingPongGrain
{
}

[Reentrant]
public sealed class ReentrantPingPongGrain : Grain, IReentrantPingPongGrain
{
    public Task<string> Ping(IPingPongGrain other) => other.Pong(this.AsReference<IReentrantPingPongGrain>());

    public async Task<string> Pong(IPingPongGrain caller) => "pong from " + this.GetPrimaryKeyString() + " via " + await caller.Name();

    public Task<string> Name() => Task.FromResult(this.GetPrimaryKeyString());
}

public interface ITimerGrain : IGrainWithStringKey
{
    Task Start(int periodMs, bool interleave);

    /// <summary>A request that holds its turn across awaits, to collide with ticks if they could overlap.</summary>
    Task Work();

    Task<(int Ticks, int Overlaps)> Stats();

    Task Stop();
}

public sealed class TimerGrain : Grain, ITimerGrain
{
    private IGrainTimer? timer;
    private int ticks;
    private int overlaps;
    private bool busy;

    public Task Start(int periodMs, bool interleave)
    {
        timer = RegisterGrainTimer(
            async _ =>
            {
                Busy();
                ticks++;
                await Task.Yield();
                Idle();
            },
            new GrainTimerCreationOptions(TimeSpan.FromMilliseconds(periodMs), TimeSpan.FromMilliseconds(periodMs)) { Interleave = interleave });
        return Task.CompletedTask;
    }

    public async Task Work()
    {
        Busy();
        await Task.Delay(TimeSpan.FromMilliseconds(2));
        await Task.Yield();
        Idle();
    }

    public Task<(int Ticks, int Overlaps)> Stats() => Task.FromResult((ticks, overlaps));

    public Task Stop()
    {
        timer?.Dispose();
        return Task.CompletedTask;
    }

    private void Busy()
    {
        if (busy)
        {
            overlaps++;
        }
        busy = true;
    }

    private void Idle() => busy = false;
}

[Raft.Runtime.GenerateSerializer]
public sealed record CounterState(int Value);

public interface IPersistentCounterGrain : IGrainWithStringKey
{
    Task<int> Increment();

    Task<int> Get();

    /// <summary>Increments after <paramref name="gate"/> is released by the test (see <see cref="TestGates"/>).</summary>
    Task<int> IncrementWhenReleased(string gate);
}

public sealed class PersistentCounterGrain : Grain, IPersistentCounterGrain
{
    private readonly IPersistentState<CounterState> state;

    public PersistentCounterGrain([PersistentState("counter")] IPersistentState<CounterState> state) => this.state = state;

    public static int ActivationCount;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref ActivationCount);
        return Task.CompletedTask;
    }

    public async Task<int> Increment()
    {
        state.State = new CounterState((state.State?.Value ?? 0) + 1);
        await state.WriteStateAsync();
        return state.State.Value;
    }

    public Task<int> Get() => Task.FromResult(state.State?.Value ?? 0);

    public async Task<int> IncrementWhenReleased(string gate)
    {
        await TestGates.WaitSuspended(gate);
        TestGates.Passed(gate);
        return await Increment();
    }
}

public interface IRelayGrain : IGrainWithStringKey
{
    /// <summary>Calls the persistent counter grain <paramref name="target"/> through the network.</summary>
    Task<int> RelayIncrement(string target);

    Task<int> RelayIncrementWhenReleased(string target, string gate);

    Task<int> Echo(int value);
}

[Reentrant]
public sealed class RelayGrain : Grain, IRelayGrain
{
    public Task<int> RelayIncrement(string target) => GrainFactory.GetGrain<IPersistentCounterGrain>(target).Increment();

    public Task<int> RelayIncrementWhenReleased(string target, string gate) => GrainFactory.GetGrain<IPersistentCounterGrain>(target).IncrementWhenReleased(gate);

    public Task<int> Echo(int value) => Task.FromResult(value);
}

/// <summary>Lets a test hold a grain method at a known point and release it later.</summary>
public static class TestGates
{
    private static readonly ConcurrentDictionary<string, TaskCompletionSource> Gates = new();
    private static readonly ConcurrentDictionary<string, int> PassedCounts = new();

    private static readonly ConcurrentDictionary<string, TaskCompletionSource> Arrivals = new();

    /// <summary>Completes once some grain has reached <paramref name="gate"/>.</summary>
    public static Task Arrived(string gate) => Arrivals.GetOrAdd(gate, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public static Task Wait(string gate)
    {
        Arrivals.GetOrAdd(gate, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        return Gates.GetOrAdd(gate, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
    }

    /// <summary>
    /// Like <see cref="Wait"/>, but the arrival is signalled only once the awaiting code is suspended at the gate: its
    /// continuation is registered on the caller's scheduler first. With <see cref="Wait"/> a test that crashes the grain
    /// and releases the gate as soon as it has arrived can release it before the grain reaches its await, and the grain
    /// then goes on in the same turn (a kill stops a grain at its next await, not in the middle of a turn).
    /// </summary>
    public static SuspendedAtGate WaitSuspended(string gate) => new(gate);

    public readonly struct SuspendedAtGate(string gate) : ICriticalNotifyCompletion
    {
        public SuspendedAtGate GetAwaiter() => this;

        public bool IsCompleted => false;

        public void GetResult()
        {
        }

        public void OnCompleted(Action continuation) => Register(continuation);

        public void UnsafeOnCompleted(Action continuation) => Register(continuation);

        private void Register(Action continuation)
        {
            var released = Gates.GetOrAdd(gate, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
            released.ContinueWith(_ => continuation(), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Current);
            Arrivals.GetOrAdd(gate, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }
    }

    public static void Release(string gate) => Gates.GetOrAdd(gate, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    public static void Passed(string gate) => PassedCounts.AddOrUpdate(gate, 1, (_, n) => n + 1);

    public static int PassedCount(string gate) => PassedCounts.GetValueOrDefault(gate);
}
