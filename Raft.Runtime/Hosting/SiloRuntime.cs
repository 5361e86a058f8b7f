using Microsoft.Extensions.Logging;
using Raft.Runtime.Activation;
using Raft.Runtime.Messaging;
using Raft.Runtime.Metadata;
using Raft.Runtime.References;
using Raft.Runtime.Scheduling;
using Raft.Runtime.Serialization;

namespace Raft.Runtime.Hosting;

/// <summary>Everything an activation needs from its silo, in one place.</summary>
internal sealed class SiloRuntime
{
    public SiloRuntime(
        SiloOptions options,
        IServiceProvider services,
        GrainRegistry registry,
        TimeProvider time,
        IWorkExecutor executor,
        ILoggerFactory loggerFactory,
        IEnumerable<IIncomingGrainCallFilter> incomingFilters,
        InFlightStorageOperations storageOperations)
    {
        Options = options;
        Services = services;
        Registry = registry;
        Time = time;
        Executor = executor;
        LoggerFactory = loggerFactory;
        IncomingFilters = incomingFilters.ToArray();
        References = new GrainReferenceFactory();
        Serializer = new WireSerializer(References);
        Activator = new GrainActivator(services);
        Catalog = new Catalog(this);
        StorageOperations = storageOperations;
        StorageScheduler = new StorageTaskScheduler(executor);
    }

    public string SiloName => Options.SiloName;

    public SiloOptions Options { get; }

    public IServiceProvider Services { get; }

    public GrainRegistry Registry { get; }

    public TimeProvider Time { get; }

    public IWorkExecutor Executor { get; }

    public ILoggerFactory LoggerFactory { get; }

    public IReadOnlyList<IIncomingGrainCallFilter> IncomingFilters { get; }

    public GrainReferenceFactory References { get; }

    public IGrainFactory GrainFactory => References;

    public WireSerializer Serializer { get; }

    public GrainActivator Activator { get; }

    public Catalog Catalog { get; }

    /// <summary>Storage writes handed to providers and not finished yet (see <see cref="InFlightStorageOperations"/>).</summary>
    public InFlightStorageOperations StorageOperations { get; }

    /// <summary>Where storage writes run, apart from the activations' schedulers (see <see cref="StorageTaskScheduler"/>).</summary>
    public StorageTaskScheduler StorageScheduler { get; }

    public SiloMessageCenter MessageCenter { get; set; } = null!;

    public bool IsStopping { get; set; }
}
