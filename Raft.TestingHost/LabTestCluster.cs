using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Storage;
using Orleans.TestingHost;
using Raft.Grains;
using Raft.Simulation;

namespace Raft.TestingHost;

/// <summary>
/// Orleans' <see cref="InProcessTestCluster"/> with what the 6.5840 tests need around Raft grains: the labrpc network
/// as call filters (<see cref="LabNetworkFilter"/>), one "Default" grain storage shared by every silo, and crash and
/// restart of a single peer (<see cref="CrashGrain"/>, <see cref="RestartGrain"/>).
/// </summary>
public sealed class LabTestCluster : IAsyncDisposable
{
    private LabTestCluster(InProcessTestCluster cluster, LabNetworkFilter network, IGrainStorage storage)
    {
        Cluster = cluster;
        Network = network;
        Storage = storage;
    }

    public InProcessTestCluster Cluster { get; }

    public LabNetworkFilter Network { get; }

    public LabNetwork Lab => Network.Lab;

    /// <summary>The shared "Default" storage, without the crash fence in front of it (tests read and tamper with it).</summary>
    public IGrainStorage Storage { get; }

    /// <summary>The shared storage when it is the memory one (null otherwise).</summary>
    public SharedMemoryGrainStorage? MemoryStorage => Storage as SharedMemoryGrainStorage;

    /// <summary>The test's client: calls from it bypass the network unless made as a named client (<see cref="LabNetworkFilter.AsClient"/>).</summary>
    public IGrainFactory GrainFactory => Cluster.Client;

    public static async Task<LabTestCluster> DeployAsync(LabTestClusterOptions options)
    {
        var storage = options.Storage ?? new SharedMemoryGrainStorage(RaftStorageSerializer.Create());
        var traits = options.StorageTraits ?? PeerStorageTraits.InProcessOrdered;
        var crashes = new GrainCrashes();
        var network = new LabNetworkFilter(new LabNetwork(options.Network), crashes);
        var builder = new InProcessTestClusterBuilder((short)options.SiloCount);
        builder.Options.ConfigureFileLogging = false;
        if (!options.UseTestClusterGrainDirectory)
        {
            UseProductionGrainDirectory(builder.Options);
        }
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddRaftKeyValueService();
            silo.Services.AddKeyedSingleton<IGrainStorage>("Default", (services, _) =>
                new CrashFencedStorage(storage, crashes, services.GetRequiredService<IGrainContextAccessor>()));
            silo.Services.AddSingleton(services => services.GetRequiredKeyedService<IGrainStorage>("Default"));
            silo.AddRaftStorageTraits("Default", traits);
            silo.AddOutgoingGrainCallFilter(network);
            silo.AddIncomingGrainCallFilter(network);
            silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = options.ResponseTimeout);
            options.ConfigureSilo?.Invoke(silo);
        });
        builder.ConfigureClient(client =>
        {
            client.AddOutgoingGrainCallFilter(network.ForTestClient());
            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = options.ResponseTimeout);
        });
        var cluster = builder.Build();
        try
        {
            await cluster.DeployAsync();
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
        return new LabTestCluster(cluster, network, storage);
    }

    /// <summary>
    /// Turns off the in-process directory the test cluster gives its silos as their default grain directory, so that
    /// they use Orleans' production one. The switch, InProcessTestClusterOptions.UseTestClusterGrainDirectory, is
    /// internal in Orleans 10.4.2 and the test cluster registers its directory after the silo configuration delegates,
    /// so there is no public way.
    /// </summary>
    private static void UseProductionGrainDirectory(InProcessTestClusterOptions options)
    {
        const string name = "UseTestClusterGrainDirectory";
        var option = typeof(InProcessTestClusterOptions).GetProperty(name, BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)
            ?? throw new InvalidOperationException($"InProcessTestClusterOptions.{name} is gone: find the new way to turn the test cluster's grain directory off.");
        option.SetValue(options, false);
    }

    /// <summary>
    /// Crashes one grain, as a machine crash would: its activation acts no more (no calls, ticks or writes; its pending
    /// replies are lost) and the grain stays down, reached by no call, until <see cref="RestartGrain"/>. What it had
    /// persisted stays. Orleans deactivates the dead activation in the background.
    /// </summary>
    public void CrashGrain(GrainId grain)
    {
        Network.Crashes.MarkDown(grain);
        Network.NewIncarnation(grain);
        if (Cluster.TryGetGrainContext(grain, out var context))
        {
            Network.Crashes.MarkCrashed(context.ActivationId);
            context.Deactivate(new DeactivationReason(DeactivationReasonCode.ApplicationError, "crashed by the test"));
        }
    }

    /// <summary>
    /// Lets a crashed grain run again: the next call activates it anew from storage (after Orleans finishes the crashed
    /// activation's deactivation). A grain that was running is crashed first.
    /// </summary>
    public void RestartGrain(GrainId grain)
    {
        CrashGrain(grain);
        Network.Crashes.MarkUp(grain);
    }

    public bool IsDown(GrainId grain) => Network.Crashes.IsDown(grain);

    /// <summary>Stops the cluster; fails if a silo sent a Raft RPC without its calling grain (<see cref="LabNetworkFilter.ContextlessRaftCalls"/>).</summary>
    public async ValueTask DisposeAsync()
    {
        await Cluster.DisposeAsync();
        (Storage as IDisposable)?.Dispose();
        if (Network.ContextlessRaftCalls is { Count: > 0 } lost)
        {
            throw new InvalidOperationException($"{lost.Count} Raft RPC(s) sent without a calling grain, which bypass the lab network: {lost[0]}");
        }
    }
}
