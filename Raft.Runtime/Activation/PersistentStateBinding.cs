using Raft.Runtime.Hosting;
using Raft.Runtime.Storage;

namespace Raft.Runtime.Activation;

/// <summary>Lets the activation load every persistent state before OnActivateAsync without knowing T.</summary>
internal interface IPersistentStateBinding
{
    Task ReadStateAsync();
}

/// <summary>
/// The IPersistentState&lt;T&gt; handed to a grain: one named record in one storage provider. Writes from an
/// activation that has been killed are refused, so a crashed grain's zombie code never reaches storage. A write or
/// clear handed to the provider before the kill goes on (a crash does not take back a request already sent): it is
/// recorded in the silo's <see cref="InFlightStorageOperations"/> until it ends, so that the grain's next activation
/// waits for it before reading its state, and it runs on the silo's <see cref="StorageTaskScheduler"/>, so that it
/// does end although the killed activation's scheduler runs nothing more.
/// </summary>
internal sealed class PersistentStateBinding<T> : IPersistentState<T>, IPersistentStateBinding
{
    private readonly ActivationData activation;
    private readonly string stateName;
    private readonly IGrainStorage storage;
    private readonly GrainState<T> grainState;

    public PersistentStateBinding(ActivationData activation, string stateName, IGrainStorage storage)
    {
        this.activation = activation;
        this.stateName = stateName;
        this.storage = storage;
        grainState = new GrainState<T>(CreateDefault());
    }

    public T State
    {
        get => grainState.State;
        set => grainState.State = value;
    }

    public string? Etag => grainState.ETag;

    public bool RecordExists => grainState.RecordExists;

    public Task ReadStateAsync() => storage.ReadStateAsync(stateName, activation.GrainId, grainState);

    public Task WriteStateAsync() =>
        Track("write", static binding => binding.storage.WriteStateAsync(binding.stateName, binding.activation.GrainId, binding.grainState));

    public Task ClearStateAsync() =>
        Track("clear", static binding => binding.storage.ClearStateAsync(binding.stateName, binding.activation.GrainId, binding.grainState));

    private Task Track(string kind, Func<PersistentStateBinding<T>, Task> operation)
    {
        var runtime = activation.Runtime;
        var bound = storage is IBoundedGrainStorage bounded ? bounded.MaxOperationDuration : runtime.Options.ActivationTimeout;
        var deadline = runtime.Time.GetTimestamp() + (long)(bound.TotalSeconds * runtime.Time.TimestampFrequency);
        // Recorded before the kill check: a kill that comes after the check finds the write recorded, one that came
        // before it makes the check refuse the write. Either way a new activation never misses a write that goes out.
        var tracked = runtime.StorageOperations.Begin(activation.GrainId, stateName, kind, deadline);
        if (activation.IsKilled)
        {
            runtime.StorageOperations.End(tracked);
            throw new ActivationKilledException($"{activation.GrainId} was killed; its {kind} of '{stateName}' is refused.");
        }
        return runtime.StorageScheduler.Run(() => RunAsync(operation, tracked));
    }

    private async Task RunAsync(Func<PersistentStateBinding<T>, Task> operation, InFlightStorageOperations.Operation tracked)
    {
        try
        {
            await operation(this);
        }
        finally
        {
            activation.Runtime.StorageOperations.End(tracked);
        }
    }

    private static T CreateDefault() =>
        typeof(T).IsValueType || typeof(T).GetConstructor(Type.EmptyTypes) is null
            ? default!
            : System.Activator.CreateInstance<T>();
}
