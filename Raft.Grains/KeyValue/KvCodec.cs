using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace Raft.Grains.KeyValue;

/// <summary>
/// Encodes what the key-value service puts in the log (<see cref="KvCommand"/>) and in snapshots (<see cref="KvSnapshot"/>)
/// with Orleans' serializer: version tolerant ([Id]s by position, [Alias] type names), so entries written by one build
/// are read by the next. A standalone serializer, not the silo's, because the same bytes are read by the simulator,
/// which has no silo, and every replica must decode a command alike whatever its host.
/// </summary>
public sealed class KvCodec
{
    private readonly Serializer _serializer;

    private KvCodec()
    {
        var services = new ServiceCollection()
            .AddSerializer(builder => builder.AddAssembly(typeof(KvCommand).Assembly).AddAssembly(typeof(Interfaces.KvOperation).Assembly))
            .BuildServiceProvider();
        _serializer = services.GetRequiredService<Serializer>();
    }

    public static KvCodec Shared { get; } = new();

    public byte[] SerializeToArray<T>(T value) => _serializer.SerializeToArray(value);

    /// <summary>Decodes <paramref name="bytes"/>; throws <see cref="KvCodecException"/> when they are not a <typeparamref name="T"/>.</summary>
    public T Deserialize<T>(byte[] bytes)
    {
        try
        {
            return _serializer.Deserialize<T>(bytes)
                ?? throw new KvCodecException($"{bytes.Length} bytes decode as null, not as {typeof(T).Name}.", null);
        }
        catch (Exception exception)
        {
            throw new KvCodecException($"{bytes.Length} bytes do not decode as {typeof(T).Name}: {exception.Message}", exception);
        }
    }
}

/// <summary>Bytes that are not a key-value command or snapshot.</summary>
public sealed class KvCodecException(string message, Exception? inner) : Exception(message, inner);
