using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Raft.Runtime;
using Raft.Runtime.Activation;
using Raft.Runtime.Hosting;
using Raft.Runtime.Scheduling;
using Raft.Runtime.Storage;
using Raft.Simulation;

namespace Raft.TestingHost;

/// <summary>
/// An in-process cluster of silos for tests, in the spirit of Orleans' TestCluster: real silos with their
/// schedulers, timers and storage, joined by an in-process transport, with an optional simulated network
/// between grains and the crash / restart operations the 6.5840 tests need. With
/// <see cref="TestClusterOptions.Simulation"/> set, everything runs on that deterministic loop in virtual time.
/// </summary>
public sealed class TestCluster : IAsyncDisposable
{
    private readonly InProcessFabric fabric = new();
    private readonly Dictionary<string, IHost> hosts = new();
    private readonly Dictionary<string, MemoryGrainStorage> memoryStorage = new();

    // Shared by every silo, restarts included: a crashed grain's writes still in flight are waited for by its next
    // activation wherever, and whenever, it starts.
    private readonly InFlightStorageOperations storageOperations = new();
    private readonly IDisposable? stallDiagnostic;

    private TestCluster(TestClusterOptions options)
    {
        Options = options;
        Network = new SimulatedNetwork(options.Network, Time);
        if (options.Simulation is { } loop)
        {
            Network.Trace = loop.Record;
            stallDiagnostic = loop.AddStallDiagnostic("test cluster", DescribeWaiting);
        }
        SiloNames = Enumerable.Range(0, options.SiloCount).Select(i => $"silo{i}").ToArray();
        var serializer = new WireGrainStorageSerializer();
        foreach (var name in options.MemoryStorageNames)
        {
            memoryStorage[name] = new MemoryGrainStorage(serializer);
        }
    }

    public TestClusterOptions Options { get; }

    public SimulatedNetwork Network { get; }

    /// <summary>The clock of the silos and the network: the simulation loop, or <see cref="TestClusterOptions.Time"/>.</summary>
    public TimeProvider Time => Options.Simulation ?? Options.Time;

    public IReadOnlyList<string> SiloNames { get; }

    /// <summary>A grain factory for calls from outside any grain (they bypass the simulated network).</summary>
    public IGrainFactory GrainFactory => PrimarySilo.GrainFactory;

    /// <summary>The first silo (in name order) that is running, so that a test keeps a factory after killing silo0.</summary>
    public Silo PrimarySilo => GetSilo(SiloNames.FirstOrDefault(hosts.ContainsKey) ?? throw new InvalidOperationException("No silo is running."));

    /// <summary>The shared memory storage provider of that name, e.g. to measure persisted sizes.</summary>
    public MemoryGrainStorage GetMemoryStorage(string name = "Default") => memoryStorage[name];

    public static async Task<TestCluster> DeployAsync(TestClusterOptions options)
    {
        var cluster = new TestCluster(options);
        try
        {
            foreach (var name in cluster.SiloNames)
            {
                await cluster.StartSiloAsync(name);
            }
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
        return cluster;
    }

    public Silo GetSilo(string name) => hosts.TryGetValue(name, out var host)
        ? host.Services.GetRequiredService<Silo>()
        : throw new InvalidOperationException($"Silo {name} is not running.");

    /// <summary>The silo a grain is placed on.</summary>
    public string SiloOf(GrainId grain) => PrimaryOrAny().Runtime.MessageCenter.PlaceGrain(grain);

    private Silo PrimaryOrAny() => hosts.Values.First().Services.GetRequiredService<Silo>();

    private async Task StartSiloAsync(string name)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        builder.Services.AddSingleton(Time);
        builder.Services.AddSingleton(storageOperations);
        if (Options.Simulation is { } loop)
        {
            builder.Services.AddSingleton<IWorkExecutor>(new LoopWorkExecutor(loop));
        }
        builder.UseSilo(silo =>
        {
            silo.Configure<SiloOptions>(o =>
            {
                o.SiloName = name;
                o.GatewayPort = -1;
            });
            silo.Configure<ClusterMembershipOptions>(o => o.Silos = SiloNames.Select(n => new SiloEndpoint { Name = n }).ToList());
            silo.Configure<MessagingOptions>(o => o.ResponseTimeout = Options.ResponseTimeout);
            if (Options.Placement is not null)
            {
                silo.UsePlacement(Options.Placement);
            }
            foreach (var (storageName, storage) in memoryStorage)
            {
                silo.AddMemoryGrainStorage(storageName, storage);
            }
            if (Options.UseSimulatedNetwork)
            {
                silo.AddOutgoingGrainCallFilter(Network);
            }
            Options.ConfigureSilo?.Invoke(silo);
        });
        var host = builder.Build();
        var siloInstance = host.Services.GetRequiredService<Silo>();
        siloInstance.TransportFactory = s =>
        {
            fabric.Register(s.Name, s.Runtime.MessageCenter);
            return fabric.TransportFor(s.Name);
        };
        await StartHostAsync(host);
        hosts[name] = host;
    }

    // The generic host starts and stops its services with ConfigureAwait(false), which in a simulation would carry
    // the rest of the start onto the thread pool. There the cluster starts them itself, on the loop, in
    // registration order (and stops them in reverse), as the host would.
    private async Task StartHostAsync(IHost host)
    {
        if (Options.Simulation is null)
        {
            await host.StartAsync();
            return;
        }
        foreach (var service in host.Services.GetServices<IHostedService>())
        {
            await service.StartAsync(CancellationToken.None);
        }
    }

    private async Task StopHostAsync(IHost host)
    {
        if (Options.Simulation is null)
        {
            await host.StopAsync();
            return;
        }
        foreach (var service in host.Services.GetServices<IHostedService>().Reverse())
        {
            await service.StopAsync(CancellationToken.None);
        }
    }

    // Host.Dispose blocks on the asynchronous disposal, which in a simulation could wait for the loop it blocks.
    private async ValueTask DisposeHostAsync(IHost host)
    {
        if (Options.Simulation is not null && host is IAsyncDisposable asyncDisposable)
        {
            await asyncDisposable.DisposeAsync();
            return;
        }
        host.Dispose();
    }

    /// <summary>Stops a silo gracefully: its activations deactivate.</summary>
    public async Task StopSiloAsync(string name)
    {
        if (hosts.Remove(name, out var host))
        {
            await StopHostAsync(host);
            await DisposeHostAsync(host);
        }
    }

    /// <summary>
    /// Kills a silo: every activation on it crashes at once (see <see cref="CrashGrain"/>) and the silo leaves the network.
    /// </summary>
    public async Task KillSiloAsync(string name)
    {
        if (!hosts.Remove(name, out var host))
        {
            return;
        }
        var silo = host.Services.GetRequiredService<Silo>();
        fabric.Unregister(name);
        foreach (var activation in silo.Runtime.Catalog.Activations)
        {
            Network.NewIncarnation(activation.GrainId);
            activation.Kill();
        }
        await StopHostAsync(host);
        await DisposeHostAsync(host);
    }

    public async Task RestartSiloAsync(string name)
    {
        await KillSiloAsync(name);
        await StartSiloAsync(name);
    }

    /// <summary>
    /// Crashes one grain, as a machine crash would: its activation stops running at its next await, its timers stop,
    /// writes it tries later never reach storage, callers waiting on it fail, and replies it was about to send are lost.
    /// What it had persisted before stays, and a write it had already handed to its storage provider goes on and lands
    /// or fails. The next call (or <see cref="RestartGrain"/>) activates it anew, once such writes have ended.
    /// </summary>
    public void CrashGrain(GrainId grain)
    {
        Network.NewIncarnation(grain);
        var silo = GetSilo(SiloOf(grain));
        if (silo.Runtime.Catalog.TryGet(grain, out var activation))
        {
            activation.Kill();
        }
    }

    /// <summary>Crashes the grain if it is running, then activates it again from its persisted state.</summary>
    public void RestartGrain(GrainId grain)
    {
        CrashGrain(grain);
        GetSilo(SiloOf(grain)).EnsureActivated(grain);
    }

    /// <summary>
    /// Completes once the storage writes and clears that the grain's activations handed to their providers have ended
    /// (bounded by the providers' time limits). After <see cref="CrashGrain"/>, what storage holds then is what the
    /// grain's next activation reads: the next activation waits for the same writes before it loads its state.
    /// </summary>
    public async Task WaitForStorageWritesAsync(GrainId grain) => await storageOperations.WaitAsync(grain, Time);

    /// <summary>True when the grain currently has an activation.</summary>
    public bool IsActive(GrainId grain) => GetSilo(SiloOf(grain)).Runtime.Catalog.TryGet(grain, out _);

    public async ValueTask DisposeAsync()
    {
        foreach (var name in hosts.Keys.ToArray())
        {
            await KillSiloAsync(name);
        }
        stallDiagnostic?.Dispose();
    }

    /// <summary>For a stalled simulation: the calls each silo waits on and the activations with work.</summary>
    private string? DescribeWaiting()
    {
        var lines = new List<string>();
        foreach (var (name, host) in hosts)
        {
            var silo = host.Services.GetRequiredService<Silo>();
            lines.AddRange(silo.Runtime.MessageCenter.Callbacks.DescribePending().Select(call => $"{name} waits for {call}"));
            lines.AddRange(silo.Runtime.Catalog.Activations.Select(a => a.DescribeWork()).OfType<string>());
        }
        return lines.Count == 0 ? null : string.Join(Environment.NewLine, lines);
    }
}
