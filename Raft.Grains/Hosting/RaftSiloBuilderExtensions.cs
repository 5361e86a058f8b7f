using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Raft.Grains.KeyValue;
using Raft.Runtime;
using Raft.Runtime.Hosting;

namespace Raft.Grains;

public static class RaftSiloBuilderExtensions
{
    /// <summary>
    /// Hosts Raft peers and the key-value service on them: options from the "Raft" and "KeyValue"
    /// configuration sections, each peer pinned to its silo when RaftOptions.PeerSilos names one, and every
    /// peer placed here woken at silo start so that the group elects a leader without waiting for a client.
    /// </summary>
    public static ISiloBuilder AddRaftKeyValueService(this ISiloBuilder builder)
    {
        builder.Services.AddOptions<RaftOptions>().Bind(builder.Configuration.GetSection("Raft"));
        builder.Services.AddOptions<KeyValueOptions>().Bind(builder.Configuration.GetSection("KeyValue"));
        builder.Services.TryAddSingleton<KvStateMachineFactory>();
        builder.Services.TryAddSingleton<IRaftStateMachineFactory>(sp => sp.GetRequiredService<KvStateMachineFactory>());
        builder.AddGrains(typeof(GrainsAssembly).Assembly);
        builder.Services.AddHostedService<RaftPeerStarter>();
        return builder;
    }

    /// <summary>A placement rule that puts peer "{group}/{id}" and its key-value grain on the silo configured for it.</summary>
    public static Func<GrainId, string?> PeerPlacement(RaftOptions options) => grainId =>
        grainId.Type is "raftpeer" or "keyvalue" && options.PeerSilos.TryGetValue(grainId.Key, out var silo) ? silo : null;
}
