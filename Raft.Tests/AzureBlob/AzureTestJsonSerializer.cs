using System.Text.Json;
using Raft.Runtime.Storage;

namespace Raft.Tests.AzureBlob;

/// <summary>System.Text.Json serializer for the Azure tests only (the runtime's JsonGrainStorageSerializer lives on another branch).</summary>
internal sealed class AzureTestJsonSerializer : IGrainStorageSerializer
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.General);

    public ReadOnlyMemory<byte> Serialize<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, Options);

    public T Deserialize<T>(ReadOnlyMemory<byte> data) => JsonSerializer.Deserialize<T>(data.Span, Options)!;
}
