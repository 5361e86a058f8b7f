using Raft.Runtime.Serialization;

namespace Raft.Runtime.Storage;

/// <summary>The default storage serializer: the runtime's binary wire format, which tolerates added and removed fields.</summary>
public sealed class WireGrainStorageSerializer : IGrainStorageSerializer
{
    private readonly WireSerializer serializer = new();

    public ReadOnlyMemory<byte> Serialize<T>(T value) => serializer.SerializeToArray(value);

    public T Deserialize<T>(ReadOnlyMemory<byte> data) => serializer.Deserialize<T>(data.Span);
}
