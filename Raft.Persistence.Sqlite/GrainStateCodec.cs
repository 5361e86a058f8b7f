using Orleans.Runtime;
using Orleans.Storage;

namespace Raft.Persistence.Sqlite;

/// <summary>
/// The one path from a grain state to stored bytes and back: the serializer's bytes wrapped in a
/// <see cref="StoredRecord"/> envelope, and the record named "{stateName} of {grainId}" in errors.
/// </summary>
internal static class GrainStateCodec
{
    public static string RecordName(string stateName, GrainId grainId) => $"{stateName} of {grainId}";

    public static byte[] Encode<T>(IGrainStorageSerializer serializer, T state, string recordName)
    {
        ReadOnlyMemory<byte> payload;
        try
        {
            payload = serializer.Serialize(state).ToMemory();
        }
        catch (Exception ex)
        {
            throw new GrainStateSerializationException($"Could not serialize state of type {typeof(T)} for record '{recordName}': {ex.Message}", ex);
        }
        return StoredRecord.Encode(payload.Span);
    }

    /// <summary>Checks the envelope (throwing <see cref="CorruptRecordException"/>) and deserializes the payload.</summary>
    public static T Decode<T>(IGrainStorageSerializer serializer, ReadOnlyMemory<byte> record, string recordName)
    {
        var payload = StoredRecord.Decode(record, recordName);
        try
        {
            return serializer.Deserialize<T>(new BinaryData(payload))!;
        }
        catch (Exception ex)
        {
            throw new GrainStateSerializationException(
                $"Stored record '{recordName}' passed its checksum but could not be deserialized as {typeof(T)}: {ex.Message}", ex);
        }
    }
}
