using Microsoft.Extensions.DependencyInjection;
using Raft.Runtime.Activation;

namespace Raft.Runtime;

/// <summary>The runtime's handle on one activation, as Orleans' IGrainContext.</summary>
public interface IGrainContext
{
    GrainId GrainId { get; }
}

/// <summary>Names one persistent state record and the provider that holds it.</summary>
public interface IPersistentStateConfiguration
{
    string StateName { get; }

    string StorageName { get; }
}

public sealed record PersistentStateConfiguration(string StateName, string StorageName) : IPersistentStateConfiguration;

/// <summary>
/// Creates persistent states at run time, for grains whose set of records is not fixed (a log kept in
/// segments, say). Such a state is bound to the activation like a [PersistentState] one, so a crashed
/// activation's writes are refused; unlike one, it is not loaded before OnActivateAsync: call ReadStateAsync.
/// </summary>
public interface IPersistentStateFactory
{
    IPersistentState<TState> Create<TState>(IGrainContext context, IPersistentStateConfiguration configuration);

    /// <summary>Whether the named provider applies writes in issue order (<see cref="Storage.IGrainStorage.PreservesIssueOrder"/>).</summary>
    bool PreservesIssueOrder(string storageName) => false;

    /// <summary>Whether the named provider's writes may land after their writer died (<see cref="Storage.IGrainStorage.WritesMayOutliveWriter"/>).</summary>
    bool WritesMayOutliveWriter(string storageName) => false;

    /// <summary>Whether the named provider leaves a cleared marker with an ETag on clear (<see cref="Storage.IGrainStorage.ClearKeepsRecord"/>).</summary>
    bool ClearKeepsRecord(string storageName) => false;
}

internal sealed class PersistentStateFactory(IServiceProvider services) : IPersistentStateFactory
{
    public IPersistentState<TState> Create<TState>(IGrainContext context, IPersistentStateConfiguration configuration)
    {
        var activation = context as ActivationData
            ?? throw new ArgumentException("The grain context does not belong to this runtime.", nameof(context));
        var storage = Provider(configuration.StorageName)
            ?? throw new InvalidOperationException($"No grain storage provider named '{configuration.StorageName}' is registered.");
        return new PersistentStateBinding<TState>(activation, configuration.StateName, storage);
    }

    public bool PreservesIssueOrder(string storageName) => Provider(storageName)?.PreservesIssueOrder ?? false;

    public bool WritesMayOutliveWriter(string storageName) => Provider(storageName)?.WritesMayOutliveWriter ?? false;

    public bool ClearKeepsRecord(string storageName) => Provider(storageName)?.ClearKeepsRecord ?? false;

    private Storage.IGrainStorage? Provider(string storageName) => services.GetKeyedService<Storage.IGrainStorage>(storageName);
}
