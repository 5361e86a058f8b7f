namespace Raft.Runtime.Serialization;

// Integers are varints (signed ones zigzag), so widening a field from int to long keeps old data readable.
// Reads are range-checked: a value that does not fit the declared type is a malformed payload.

internal sealed class BooleanCodec() : FixedWireTypeCodec<bool>(WireType.VarInt)
{
    public override void WriteBody(ref WireWriter writer, bool value) => writer.WriteByte(value ? (byte)1 : (byte)0);

    protected override bool ReadBody(ref WireReader reader) => reader.ReadVarUInt64() switch
    {
        0 => false,
        1 => true,
        var other => throw WireErrors.Malformed($"{other} is not a boolean."),
    };
}

internal sealed class ByteCodec() : FixedWireTypeCodec<byte>(WireType.VarInt)
{
    public override void WriteBody(ref WireWriter writer, byte value) => writer.WriteVarUInt64(value);

    protected override byte ReadBody(ref WireReader reader) => NumericRange.ToByte(reader.ReadVarUInt64());
}

internal sealed class SByteCodec() : FixedWireTypeCodec<sbyte>(WireType.VarInt)
{
    public override void WriteBody(ref WireWriter writer, sbyte value) => writer.WriteVarInt64(value);

    protected override sbyte ReadBody(ref WireReader reader) => NumericRange.ToSByte(reader.ReadVarInt64());
}

internal sealed class Int16Codec() : FixedWireTypeCodec<short>(WireType.VarInt)
{
    public override void WriteBody(ref WireWriter writer, short value) => writer.WriteVarInt64(value);

    protected override short ReadBody(ref WireReader reader) => NumericRange.ToInt16(reader.ReadVarInt64());
}

internal sealed class UInt16Codec() : FixedWireTypeCodec<ushort>(WireType.VarInt)
{
    public override void WriteBody(ref WireWriter writer, ushort value) => writer.WriteVarUInt64(value);

    protected override ushort ReadBody(ref WireReader reader) => NumericRange.ToUInt16(reader.ReadVarUInt64());
}

internal sealed class Int32Codec() : FixedWireTypeCodec<int>(WireType.VarInt)
{
    public override void WriteBody(ref WireWriter writer, int value) => writer.WriteVarInt64(value);

    protected override int ReadBody(ref WireReader reader) => reader.ReadVarInt32();
}

internal sealed class UInt32Codec() : FixedWireTypeCodec<uint>(WireType.VarInt)
{
    public override void WriteBody(ref WireWriter writer, uint value) => writer.WriteVarUInt64(value);

    protected override uint ReadBody(ref WireReader reader) => reader.ReadVarUInt32();
}

internal sealed class Int64Codec() : FixedWireTypeCodec<long>(WireType.VarInt)
{
    public override void WriteBody(ref WireWriter writer, long value) => writer.WriteVarInt64(value);

    protected override long ReadBody(ref WireReader reader) => reader.ReadVarInt64();
}

internal sealed class UInt64Codec() : FixedWireTypeCodec<ulong>(WireType.VarInt)
{
    public override void WriteBody(ref WireWriter writer, ulong value) => writer.WriteVarUInt64(value);

    protected override ulong ReadBody(ref WireReader reader) => reader.ReadVarUInt64();
}

internal sealed class CharCodec() : FixedWireTypeCodec<char>(WireType.VarInt)
{
    public override void WriteBody(ref WireWriter writer, char value) => writer.WriteVarUInt64(value);

    protected override char ReadBody(ref WireReader reader) => (char)NumericRange.ToUInt16(reader.ReadVarUInt64());
}

internal sealed class SingleCodec() : FixedWireTypeCodec<float>(WireType.Fixed32)
{
    public override void WriteBody(ref WireWriter writer, float value) => writer.WriteSingle(value);

    protected override float ReadBody(ref WireReader reader) => reader.ReadSingle();
}

internal sealed class DoubleCodec() : FixedWireTypeCodec<double>(WireType.Fixed64)
{
    public override void WriteBody(ref WireWriter writer, double value) => writer.WriteDouble(value);

    protected override double ReadBody(ref WireReader reader) => reader.ReadDouble();
}

/// <summary>decimal.GetBits as four little-endian ints inside a length-delimited body of exactly 16 bytes.</summary>
internal sealed class DecimalCodec() : FixedWireTypeCodec<decimal>(WireType.LengthDelimited)
{
    public override void WriteBody(ref WireWriter writer, decimal value)
    {
        Span<int> bits = stackalloc int[4];
        decimal.GetBits(value, bits);
        writer.WriteByte(17);
        foreach (var part in bits)
        {
            writer.WriteInt32(part);
        }
    }

    protected override decimal ReadBody(ref WireReader reader)
    {
        var bytes = FixedLength.Read(ref reader, 16, typeof(decimal));
        Span<int> bits = stackalloc int[4];
        for (var i = 0; i < 4; i++)
        {
            bits[i] = System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(bytes[(i * 4)..]);
        }
        try
        {
            return new decimal(bits);
        }
        catch (ArgumentException ex)
        {
            throw new WireSerializationException("Malformed payload: invalid decimal bits.", ex);
        }
    }
}

internal static class NumericRange
{
    public static byte ToByte(ulong value) => value <= byte.MaxValue ? (byte)value : throw OutOfRange(value, typeof(byte));

    public static ushort ToUInt16(ulong value) => value <= ushort.MaxValue ? (ushort)value : throw OutOfRange(value, typeof(ushort));

    public static sbyte ToSByte(long value) => value is >= sbyte.MinValue and <= sbyte.MaxValue ? (sbyte)value : throw OutOfRange(value, typeof(sbyte));

    public static short ToInt16(long value) => value is >= short.MinValue and <= short.MaxValue ? (short)value : throw OutOfRange(value, typeof(short));

    public static WireSerializationException OutOfRange(object value, Type type) =>
        WireErrors.Malformed($"{value} does not fit in {TypeNames.Display(type)}.");
}

/// <summary>Fixed-size values carried in a length-delimited body (so a reader without the type can still skip them).</summary>
internal static class FixedLength
{
    public static ReadOnlySpan<byte> Read(ref WireReader reader, int length, Type type)
    {
        if (!reader.TryReadLengthPrefixed(out var bytes) || bytes.Length != length)
        {
            throw WireErrors.Malformed($"a {TypeNames.Display(type)} must be exactly {length} bytes.");
        }
        return bytes;
    }
}
