using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Runtime.GrainDirectory;
using Orleans.Runtime.Hosting;
using Raft.Grains.KeyValue;

namespace Raft.Grains;

public static class RaftSiloBuilderExtensions
{
    /// <summary>
    /// Hosts Raft peers and the key-value service on them: options from the "Raft" and "KeyValue" configuration sections
    /// (validated when the silo starts), each peer and its key-value grain placed together (pinned to the silo
    /// RaftOptions.PeerSilos names; when it pins every peer, the two grain types use the pinned grain directory,
    /// <see cref="PeerGrainDirectory"/>, so that the death of one silo deactivates no peer on another), and the peers of
    /// this silo woken when it is active, so that the group elects a leader without waiting for a client. The peers'
    /// records go to the grain storage provider named by RaftOptions.StorageName ("Default"): register one, and its
    /// traits with <see cref="AddRaftStorageTraits"/>.
    /// </summary>
    public static ISiloBuilder AddRaftKeyValueService(this ISiloBuilder builder)
    {
        builder.Services.AddOptions<RaftOptions>().Bind(builder.Configuration.GetSection("Raft")).ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RaftOptions>, RaftOptionsValidator>());
        builder.Services.AddOptions<KeyValueOptions>().Bind(builder.Configuration.GetSection("KeyValue"));
        builder.Services.TryAddSingleton<KvStateMachineFactory>();
        builder.Services.TryAddSingleton<IRaftStateMachineFactory>(sp => sp.GetRequiredService<KvStateMachineFactory>());
        builder.Services.AddPlacementDirector<PeerPlacement, PeerPlacementDirector>();
        builder.Services.AddGrainDirectory(PeerGrainDirectory.Name, (services, _) => ActivatorUtilities.CreateInstance<PeerGrainDirectory>(services));
        builder.Services.AddSingleton<IGrainDirectoryResolver, PeerGrainDirectoryResolver>();
        builder.Services.AddMetrics();
        builder.Services.TryAddSingleton<RaftMetrics>();
        builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, RaftStorageCheck>();
        builder.Services.AddSingleton<RaftPeerStarter>();
        builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<RaftPeerStarter>());
        return builder;
    }

    /// <summary>
    /// Tells the peers how the grain storage provider <paramref name="storageName"/> behaves where Raft's crash reasoning
    /// depends on it (issue order, writes that outlive their writer, what a clear leaves). Required for the provider
    /// RaftOptions.StorageName names: the silo does not start without it.
    /// </summary>
    public static ISiloBuilder AddRaftStorageTraits(this ISiloBuilder builder, string storageName, PeerStorageTraits traits)
    {
        builder.Services.AddKeyedSingleton(storageName, traits);
        return builder;
    }
}
