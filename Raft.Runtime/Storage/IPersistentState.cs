namespace Raft.Runtime;

/// <summary>
/// One named, persisted record of a grain, injected into the grain's constructor through
/// <see cref="PersistentStateAttribute"/> and loaded before OnActivateAsync runs.
/// </summary>
public interface IPersistentState<TState>
{
    TState State { get; set; }

    string? Etag { get; }

    bool RecordExists { get; }

    Task ReadStateAsync();

    Task WriteStateAsync();

    Task ClearStateAsync();
}

/// <summary>Marks a constructor parameter of type IPersistentState&lt;T&gt; with its state name and storage provider name.</summary>
[AttributeUsage(AttributeTargets.Parameter)]
public sealed class PersistentStateAttribute : Attribute
{
    public PersistentStateAttribute(string stateName, string? storageName = null)
    {
        StateName = stateName;
        StorageName = storageName;
    }

    public string StateName { get; }

    /// <summary>The provider's name; null selects the provider registered as "Default".</summary>
    public string? StorageName { get; }
}
