namespace Raft.Runtime.Serialization;

internal sealed class TimeSpanCodec() : FixedWireTypeCodec<TimeSpan>(WireType.VarInt)
{
    public override void WriteBody(ref WireWriter writer, TimeSpan value) => writer.WriteVarInt64(value.Ticks);

    protected override TimeSpan ReadBody(ref WireReader reader) => new(reader.ReadVarInt64());
}

/// <summary>DateTime.ToBinary, which keeps the Kind (Local values are re-based on the reader's time zone).</summary>
internal sealed class DateTimeCodec() : FixedWireTypeCodec<DateTime>(WireType.Fixed64)
{
    public override void WriteBody(ref WireWriter writer, DateTime value) => writer.WriteInt64(value.ToBinary());

    protected override DateTime ReadBody(ref WireReader reader)
    {
        var binary = reader.ReadInt64();
        try
        {
            return DateTime.FromBinary(binary);
        }
        catch (ArgumentException ex)
        {
            throw new WireSerializationException($"Malformed payload: {binary} is not a DateTime.", ex);
        }
    }
}

/// <summary>Clock ticks (8 bytes) and offset minutes (2 bytes) in a length-delimited body.</summary>
internal sealed class DateTimeOffsetCodec() : FixedWireTypeCodec<DateTimeOffset>(WireType.LengthDelimited)
{
    private const int Length = 10;

    public override void WriteBody(ref WireWriter writer, DateTimeOffset value)
    {
        writer.WriteByte(Length + 1);
        writer.WriteInt64(value.Ticks);
        Span<byte> offset = stackalloc byte[2];
        System.Buffers.Binary.BinaryPrimitives.WriteInt16LittleEndian(offset, (short)value.TotalOffsetMinutes);
        writer.WriteBytes(offset);
    }

    protected override DateTimeOffset ReadBody(ref WireReader reader)
    {
        var bytes = FixedLength.Read(ref reader, Length, typeof(DateTimeOffset));
        var ticks = System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(bytes);
        var minutes = System.Buffers.Binary.BinaryPrimitives.ReadInt16LittleEndian(bytes[8..]);
        try
        {
            return new DateTimeOffset(ticks, TimeSpan.FromMinutes(minutes));
        }
        catch (ArgumentException ex)
        {
            throw new WireSerializationException("Malformed payload: invalid DateTimeOffset.", ex);
        }
    }
}
