namespace Raft.Runtime.Storage;

/// <summary>Turns grain state into bytes and back for storage providers.</summary>
public interface IGrainStorageSerializer
{
    ReadOnlyMemory<byte> Serialize<T>(T value);

    T Deserialize<T>(ReadOnlyMemory<byte> data);
}
