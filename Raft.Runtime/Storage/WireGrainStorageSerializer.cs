using Raft.Runtime.Serialization;

namespace Raft.Runtime.Storage;

/// <summary>The default storage serializer: the runtime's binary wire format, which tolerates added and removed fields.</summary>
public sealed class WireGrainStorageSerializer : IGrainStorageSerializer
{
    private readonly WireSerializer serializer = new();

    public ReadOnlyMemory<byte> Serialize<T>(T value) => serializer.SerializeToArray(value);

    public T Deserialize<T>(ReadOnlyMemory<byte> data) => serializer.Deserialize<T>(data.Span);

    /// <summary>The <see cref="StoredRecord"/> of <paramref name="value"/>, serialized into a per-thread scratch buffer: one allocation.</summary>
    internal byte[] EncodeRecord<T>(T value)
    {
        var buffer = PooledBufferWriter.Rent();
        try
        {
            var writer = new WireWriter(buffer);
            serializer.Serialize(ref writer, value);
            writer.Flush();
            return StoredRecord.Encode(buffer.WrittenSpan);
        }
        finally
        {
            PooledBufferWriter.Return(buffer);
        }
    }
}
