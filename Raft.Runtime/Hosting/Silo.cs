using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Raft.Runtime.Activation;
using Raft.Runtime.Messaging;
using Raft.Runtime.Metadata;
using Raft.Runtime.Scheduling;
using Raft.Runtime.Storage;

namespace Raft.Runtime.Hosting;

/// <summary>
/// A silo: hosts activations, routes messages, listens for other silos and clients. Runs as a hosted
/// service of a .NET generic host (see <see cref="SiloBuilderExtensions.UseSilo"/>).
/// </summary>
public sealed class Silo : IHostedService, IAsyncDisposable
{
    private readonly ILogger logger;
    private readonly IServiceProvider services;
    private readonly ClusterMembershipOptions membership;
    private bool started;

    public Silo(
        IServiceProvider services,
        IOptions<SiloOptions> options,
        IOptions<ClusterMembershipOptions> membership,
        IOptions<MessagingOptions> messaging,
        GrainRegistry registry,
        IEnumerable<GrainAssembly> assemblies,
        IEnumerable<GrainClassRegistration> classes,
        IPlacementDirector placement,
        TimeProvider time,
        IWorkExecutor executor,
        ILoggerFactory loggerFactory,
        IEnumerable<IIncomingGrainCallFilter> incomingFilters,
        IEnumerable<IOutgoingGrainCallFilter> outgoingFilters)
    {
        this.services = services;
        this.membership = membership.Value;
        logger = loggerFactory.CreateLogger<Silo>();
        foreach (var assembly in assemblies)
        {
            registry.AddGrainsFrom(assembly.Assembly);
        }
        foreach (var grainClass in classes)
        {
            registry.AddGrain(grainClass.GrainClass);
        }
        Options = options.Value;
        // A test cluster registers one instance for all its silos, so that a silo restarted in the same process waits too.
        var storageOperations = services.GetService(typeof(InFlightStorageOperations)) as InFlightStorageOperations ?? new InFlightStorageOperations();
        Runtime = new SiloRuntime(Options, services, registry, time, executor, loggerFactory, incomingFilters, storageOperations);
        var siloNames = this.membership.Silos.Count == 0
            ? new[] { Options.SiloName }
            : this.membership.Silos.Select(s => s.Name).ToArray();
        if (!siloNames.Contains(Options.SiloName))
        {
            throw new InvalidOperationException($"Silo '{Options.SiloName}' is not in the configured cluster members ({string.Join(", ", siloNames)}).");
        }
        Runtime.MessageCenter = new SiloMessageCenter(Runtime, placement, siloNames, messaging.Value, outgoingFilters);
        Runtime.References.Initialize(Runtime.MessageCenter, Runtime.Serializer);
    }

    public SiloOptions Options { get; }

    public string Name => Options.SiloName;

    public IGrainFactory GrainFactory => Runtime.References;

    /// <summary>The silo-to-silo and gateway ports actually bound (useful when configured as 0).</summary>
    public int SiloPort { get; private set; }

    public int GatewayPort { get; private set; }

    internal SiloRuntime Runtime { get; }

    /// <summary>Replaces the TCP transport with another one (the in-process test cluster's).</summary>
    internal Func<Silo, IMessageTransport>? TransportFactory { get; set; }

    internal IMessageTransport? Transport => Runtime.MessageCenter.Transport;

    /// <summary>The number of live activations.</summary>
    public int ActivationCount => Runtime.Catalog.Count;

    /// <summary>The silo a grain is placed on.</summary>
    public string PlaceGrain(GrainId grainId) => Runtime.MessageCenter.PlaceGrain(grainId);

    /// <summary>Activates a grain so that its timers run, without calling it.</summary>
    public void EnsureActivated(GrainId grainId) => Runtime.Catalog.EnsureActivated(grainId);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await InitializeStorageAsync(cancellationToken);
        if (TransportFactory is not null)
        {
            Runtime.MessageCenter.Transport = TransportFactory(this);
        }
        else
        {
            var tcp = new Transport.TcpTransport(Runtime.MessageCenter, Options, membership, Runtime.MessageCenter.Options, Runtime.LoggerFactory);
            await tcp.StartAsync(cancellationToken);
            SiloPort = tcp.SiloPort;
            GatewayPort = tcp.GatewayPort;
            Runtime.MessageCenter.Transport = tcp;
        }
        Runtime.Catalog.StartCollector();
        started = true;
        logger.LogInformation("Silo {Silo} started (silo port {SiloPort}, gateway port {GatewayPort}, {GrainTypes} grain classes)",
            Name, SiloPort, GatewayPort, Runtime.Registry.GrainClasses.Count());
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (!started)
        {
            return;
        }
        started = false;
        Runtime.IsStopping = true;
        await Runtime.Catalog.DeactivateAllAsync(Options.DeactivationTimeout);
        await WaitForStorageWritesAsync();
        if (Runtime.MessageCenter.Transport is { } transport)
        {
            await transport.DisposeAsync();
            Runtime.MessageCenter.Transport = null;
        }
        logger.LogInformation("Silo {Silo} stopped", Name);
    }

    /// <summary>
    /// Writes this silo's grains handed to their providers and not finished yet (a killed activation's, or one a grain
    /// did not await) go on until they end: the host disposes the providers right after the silo stops, and a provider
    /// disposed under a write would end it while its request may still land, after the grain's next activation has read
    /// the record. Bounded by the providers' time limits.
    /// </summary>
    private async Task WaitForStorageWritesAsync()
    {
        var mine = Runtime.StorageOperations.Grains().Where(grain => Runtime.MessageCenter.PlaceGrain(grain) == Name);
        await Task.WhenAll(mine.Select(grain => Runtime.StorageOperations.WaitAsync(grain, Runtime.Time)));
    }

    /// <summary>Storage providers that need set-up (a database file, a container) do it before the silo serves.</summary>
    private async Task InitializeStorageAsync(CancellationToken cancellationToken)
    {
        foreach (var initializer in services.GetServices<IGrainStorageInitializer>())
        {
            await initializer.InitializeAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None);
        Runtime.Catalog.Dispose();
    }
}
