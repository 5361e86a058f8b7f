using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Storage;
using Raft.Grains;

namespace Raft.TestingHost;

/// <summary>
/// Orleans' binary grain storage serializer for a storage shared by the silos of a test cluster, so created outside any
/// silo: it knows the codecs of Raft's records (Raft.Grains) and messages (Raft.Grains.Interfaces).
/// </summary>
public static class RaftStorageSerializer
{
    private static readonly Lazy<Serializer> Shared = new(() =>
        new ServiceCollection()
            .AddSerializer(builder => builder
                .AddAssembly(typeof(RaftHardStateRecord).Assembly)
                .AddAssembly(typeof(Raft.Grains.Interfaces.LogEntry).Assembly))
            .BuildServiceProvider()
            .GetRequiredService<Serializer>());

    public static Serializer Serializer => Shared.Value;

    public static IGrainStorageSerializer Create() => new OrleansGrainStorageSerializer(Shared.Value);
}
