namespace Raft.Runtime.Serialization;

// Strings and byte arrays carry their own null marker in the length prefix, so they pack in sequences
// (a List<string> needs no per-element header) and still accept an explicit Null header.

internal sealed class StringCodec() : FixedWireTypeCodec<string?>(WireType.LengthDelimited)
{
    public override void WriteBody(ref WireWriter writer, string? value) => writer.WriteString(value);

    protected override string? ReadBody(ref WireReader reader) => reader.ReadString();

    protected override string? ReadOther(ref WireReader reader, WireType wireType) =>
        wireType == WireType.Null ? null : base.ReadOther(ref reader, wireType);
}

internal sealed class ByteArrayCodec() : FixedWireTypeCodec<byte[]?>(WireType.LengthDelimited)
{
    public override void WriteBody(ref WireWriter writer, byte[]? value) => writer.WriteByteArray(value);

    protected override byte[]? ReadBody(ref WireReader reader) => reader.ReadByteArray();

    protected override byte[]? ReadOther(ref WireReader reader, WireType wireType) =>
        wireType == WireType.Null ? null : base.ReadOther(ref reader, wireType);
}

internal sealed class GuidCodec() : FixedWireTypeCodec<Guid>(WireType.LengthDelimited)
{
    public override void WriteBody(ref WireWriter writer, Guid value)
    {
        writer.WriteByte(17);
        writer.WriteGuid(value);
    }

    protected override Guid ReadBody(ref WireReader reader) => new(FixedLength.Read(ref reader, 16, typeof(Guid)));
}
