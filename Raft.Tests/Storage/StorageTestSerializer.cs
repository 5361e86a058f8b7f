using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Storage;

namespace Raft.Tests.Storage;

/// <summary>
/// Orleans' binary grain storage serializer, as a silo gives the providers by default, built outside a silo for the
/// provider tests (the serializer only needs the generated codecs of the test assembly).
/// </summary>
public static class StorageTestSerializer
{
    private static readonly Lazy<Serializer> Serializer = new(() =>
        new ServiceCollection()
            .AddSerializer(builder => builder.AddAssembly(typeof(StorageTestSerializer).Assembly))
            .BuildServiceProvider()
            .GetRequiredService<Serializer>());

    /// <summary>The Orleans serializer itself, for tests that round-trip other values (exceptions).</summary>
    public static Serializer Orleans => Serializer.Value;

    public static IGrainStorageSerializer Create() => new OrleansGrainStorageSerializer(Serializer.Value);
}
