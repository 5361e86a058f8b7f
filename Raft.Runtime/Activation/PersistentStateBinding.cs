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
/// activation that has been killed are refused, so a crashed grain's zombie code never reaches storage.
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

    public Task WriteStateAsync()
    {
        ThrowIfKilled();
        return storage.WriteStateAsync(stateName, activation.GrainId, grainState);
    }

    public Task ClearStateAsync()
    {
        ThrowIfKilled();
        return storage.ClearStateAsync(stateName, activation.GrainId, grainState);
    }

    private void ThrowIfKilled()
    {
        if (activation.IsKilled)
        {
            throw new ActivationKilledException($"{activation.GrainId} was killed; its write of '{stateName}' is refused.");
        }
    }

    private static T CreateDefault() =>
        typeof(T).IsValueType || typeof(T).GetConstructor(Type.EmptyTypes) is null
            ? default!
            : System.Activator.CreateInstance<T>();
}
