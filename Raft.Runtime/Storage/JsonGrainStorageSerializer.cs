using System.Text.Json;

namespace Raft.Runtime.Storage;

/// <summary>
/// Grain state as UTF-8 JSON through System.Text.Json, public fields included. A working default for tests and
/// tools; the silo's default will wrap the runtime's binary wire serializer.
/// </summary>
public sealed class JsonGrainStorageSerializer : IGrainStorageSerializer
{
    private readonly JsonSerializerOptions _options;

    public JsonGrainStorageSerializer(JsonSerializerOptions? options = null)
    {
        _options = options ?? new JsonSerializerOptions { IncludeFields = true };
    }

    public ReadOnlyMemory<byte> Serialize<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, _options);

    public T Deserialize<T>(ReadOnlyMemory<byte> data) => JsonSerializer.Deserialize<T>(data.Span, _options)!;
}
