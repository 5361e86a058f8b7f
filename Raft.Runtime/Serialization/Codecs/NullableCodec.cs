namespace Raft.Runtime.Serialization;

/// <summary>An empty Nullable is a Null header; a value is written exactly as the underlying type would be.</summary>
internal sealed class NullableCodec<T>(WireCodec<T> inner) : WireCodec<T?>
    where T : struct
{
    public override void Write(ref WireWriter writer, ulong fieldId, T? value)
    {
        if (value.HasValue)
        {
            inner.Write(ref writer, fieldId, value.GetValueOrDefault());
        }
        else
        {
            writer.WriteFieldHeader(fieldId, WireType.Null);
        }
    }

    public override T? Read(ref WireReader reader, WireType wireType) =>
        wireType == WireType.Null ? null : inner.Read(ref reader, wireType);
}
