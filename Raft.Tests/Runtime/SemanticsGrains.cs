using System.Collections.Concurrent;
using Raft.Runtime;
using Raft.Runtime.Concurrency;

namespace Raft.Tests.Runtime;

public interface ISemanticsGrain : IGrainWithStringKey
{
    [ReadOnly]
    Task<int> ReadWhenReleased(string gate);

    Task<int> Write(int value);

    Task HoldTurnUntilReleased(string gate);

    [AlwaysInterleave]
    Task<string> Interleaving();

    [OneWay]
    Task FireAndForget(string gate, int value);

    Task<int> Read();

    [ResponseTimeout("00:00:00.200")]
    Task SlowWithShortTimeout(string gate);

    /// <summary>Waits until cancelled; records that it observed the cancellation.</summary>
    Task WaitForCancellation(string name, CancellationToken cancellationToken);

    Task Deactivate();

    Task<int> ActivationNumber();

    Task StartKeepAliveTimer();
}

public sealed class SemanticsGrain : Grain, ISemanticsGrain
{
    public static readonly ConcurrentDictionary<string, bool> ObservedCancellation = new();
    public static readonly ConcurrentDictionary<string, int> Deactivations = new();
    private static int activations;
    private readonly int activationNumber = Interlocked.Increment(ref activations);
    private int value;

    public async Task<int> ReadWhenReleased(string gate)
    {
        await TestGates.Wait(gate);
        return value;
    }

    public Task<int> Write(int newValue)
    {
        value = newValue;
        return Task.FromResult(value);
    }

    public Task HoldTurnUntilReleased(string gate) => TestGates.Wait(gate);

    public Task<string> Interleaving() => Task.FromResult("interleaved");

    public async Task FireAndForget(string gate, int newValue)
    {
        await TestGates.Wait(gate);
        value = newValue;
    }

    public Task<int> Read() => Task.FromResult(value);

    public Task SlowWithShortTimeout(string gate) => TestGates.Wait(gate);

    public async Task WaitForCancellation(string name, CancellationToken cancellationToken)
    {
        _ = TestGates.Wait(name); // tells the test the call has arrived
        try
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            ObservedCancellation[name] = true;
            throw;
        }
    }

    public Task Deactivate()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    public Task<int> ActivationNumber() => Task.FromResult(activationNumber);

    public Task StartKeepAliveTimer()
    {
        RegisterGrainTimer(_ => Task.CompletedTask, new GrainTimerCreationOptions(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)) { KeepAlive = true });
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        Deactivations.AddOrUpdate(this.GetPrimaryKeyString() + ":" + reason.ReasonCode, 1, (_, n) => n + 1);
        return Task.CompletedTask;
    }
}

public sealed class NotSerializable
{
    public Func<int>? Callback { get; set; }
}

public interface IBadContractGrain : IGrainWithStringKey
{
    Task Take(NotSerializable argument);
}
