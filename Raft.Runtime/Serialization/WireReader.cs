using System.Buffers.Binary;
using System.Text;

namespace Raft.Runtime.Serialization;

/// <summary>
/// Reads wire primitives from a span. Every read is bounds-checked and every length or count is checked against
/// the bytes that remain before anything is allocated, so a truncated or forged payload fails with
/// <see cref="WireSerializationException"/> rather than an IndexOutOfRangeException or a huge allocation.
/// </summary>
public ref struct WireReader
{
    /// <summary>Marks a sequence whose elements each carry their own header (see <see cref="WireType.Sequence"/>).</summary>
    internal const byte TaggedElements = 8;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly ReadOnlySpan<byte> _data;
    private int _position;
    private int _depth;

    public WireReader(ReadOnlySpan<byte> data)
    {
        _data = data;
    }

    public readonly int Position => _position;

    public readonly int Remaining => _data.Length - _position;

    public readonly bool End => _position >= _data.Length;

    /// <summary>Gives codecs access to per-serializer services (the grain reference converter).</summary>
    internal WireSerializer? Serializer { get; set; }

    public byte ReadByte()
    {
        if ((uint)_position >= (uint)_data.Length)
        {
            throw WireErrors.Truncated(1, 0);
        }
        return _data[_position++];
    }

    /// <summary>Returns the next <paramref name="count"/> raw bytes without copying.</summary>
    public ReadOnlySpan<byte> ReadBytes(int count)
    {
        if ((uint)count > (uint)Remaining)
        {
            throw count < 0 ? WireErrors.Malformed($"negative length {count}.") : WireErrors.Truncated(count, Remaining);
        }
        var bytes = _data.Slice(_position, count);
        _position += count;
        return bytes;
    }

    public ulong ReadVarUInt64()
    {
        ulong result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if ((uint)_position >= (uint)_data.Length)
            {
                throw WireErrors.Truncated(1, 0);
            }
            var b = _data[_position++];
            // The tenth byte may only contribute the top bit; anything more does not fit in 64 bits.
            if (shift == 63 && b > 1)
            {
                throw WireErrors.Malformed("varint overflows 64 bits.");
            }
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return result;
            }
        }
        throw WireErrors.Malformed("varint overflows 64 bits.");
    }

    public uint ReadVarUInt32()
    {
        var value = ReadVarUInt64();
        return value <= uint.MaxValue ? (uint)value : throw WireErrors.Malformed($"varint {value} does not fit in 32 bits.");
    }

    public long ReadVarInt64()
    {
        var value = ReadVarUInt64();
        return (long)(value >> 1) ^ -(long)(value & 1);
    }

    public int ReadVarInt32()
    {
        var value = ReadVarInt64();
        return value is >= int.MinValue and <= int.MaxValue ? (int)value : throw WireErrors.Malformed($"varint {value} does not fit in 32 bits.");
    }

    public int ReadInt32() => BinaryPrimitives.ReadInt32LittleEndian(ReadBytes(4));

    public long ReadInt64() => BinaryPrimitives.ReadInt64LittleEndian(ReadBytes(8));

    public float ReadSingle() => BinaryPrimitives.ReadSingleLittleEndian(ReadBytes(4));

    public double ReadDouble() => BinaryPrimitives.ReadDoubleLittleEndian(ReadBytes(8));

    /// <summary>Reads the 16 raw bytes written by <see cref="WireWriter.WriteGuid"/>.</summary>
    public Guid ReadGuid() => new(ReadBytes(16));

    /// <summary>Reads what <see cref="WireWriter.WriteString"/> wrote; rejects invalid UTF-8.</summary>
    public string? ReadString()
    {
        if (!TryReadLengthPrefixed(out var bytes))
        {
            return null;
        }
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException ex)
        {
            throw new WireSerializationException("Malformed payload: a string is not valid UTF-8.", ex);
        }
    }

    /// <summary>Reads what <see cref="WireWriter.WriteByteArray"/> wrote.</summary>
    public byte[]? ReadByteArray() => TryReadLengthPrefixed(out var bytes) ? bytes.ToArray() : null;

    /// <summary>Reads a varint(length + 1) prefix and the bytes; false for the null marker 0.</summary>
    public bool TryReadLengthPrefixed(out ReadOnlySpan<byte> bytes)
    {
        var prefix = ReadVarUInt64();
        if (prefix == 0)
        {
            bytes = default;
            return false;
        }
        var length = prefix - 1;
        if (length > (ulong)Remaining)
        {
            throw WireErrors.Malformed($"length {length} exceeds the {Remaining} byte(s) remaining.");
        }
        bytes = ReadBytes((int)length);
        return true;
    }

    /// <summary>
    /// Reads a field or element count. Every counted item takes at least one byte, so a count larger than what
    /// remains is forged; checking it here keeps a forged count from sizing an allocation.
    /// </summary>
    internal int ReadCount()
    {
        var count = ReadVarUInt64();
        if (count > (ulong)Remaining)
        {
            throw WireErrors.Malformed($"count {count} exceeds the {Remaining} byte(s) remaining.");
        }
        return (int)count;
    }

    internal WireType ReadFieldHeader(out ulong fieldId)
    {
        var header = ReadVarUInt64();
        fieldId = header >> 3;
        return (WireType)(header & 7);
    }

    /// <summary>Reads the header of a value that is not a field: top-level, sequence element, or typed payload.</summary>
    internal WireType ReadValueHeader()
    {
        var header = ReadByte();
        return header <= 7 ? (WireType)header : throw WireErrors.Malformed($"value header {header} carries a field id outside an object.");
    }

    /// <summary>Reads a sequence's count and element mode (the caller has entered the nesting level).</summary>
    internal int ReadSequenceHeader(out byte mode)
    {
        var count = ReadCount();
        mode = ReadByte();
        if (mode != TaggedElements && mode > (byte)WireType.Sequence)
        {
            throw WireErrors.Malformed($"sequence element mode {mode} is not valid.");
        }
        return count;
    }

    /// <summary>The wire type of the next element of a sequence written in <paramref name="mode"/>.</summary>
    internal WireType ReadElementWireType(byte mode) => mode == TaggedElements ? ReadValueHeader() : (WireType)mode;

    /// <summary>Skips one value body using only its wire type: how a reader ignores fields it does not know.</summary>
    public void SkipValue(WireType wireType)
    {
        switch (wireType)
        {
            case WireType.VarInt:
                ReadVarUInt64();
                break;
            case WireType.Fixed32:
                ReadBytes(4);
                break;
            case WireType.Fixed64:
                ReadBytes(8);
                break;
            case WireType.LengthDelimited:
                TryReadLengthPrefixed(out _);
                break;
            case WireType.Object:
            {
                EnterNested();
                var count = ReadCount();
                for (var i = 0; i < count; i++)
                {
                    SkipValue(ReadFieldHeader(out _));
                }
                ExitNested();
                break;
            }
            case WireType.Sequence:
            {
                EnterNested();
                var count = ReadSequenceHeader(out var mode);
                for (var i = 0; i < count; i++)
                {
                    SkipValue(ReadElementWireType(mode));
                }
                ExitNested();
                break;
            }
            case WireType.Typed:
                EnterNested();
                if (!TryReadLengthPrefixed(out _))
                {
                    throw WireErrors.Malformed("a typed value has a null type tag.");
                }
                SkipValue(ReadValueHeader());
                ExitNested();
                break;
            case WireType.Null:
                break;
            default:
                throw WireErrors.Malformed($"unknown wire type {(byte)wireType}.");
        }
    }

    /// <summary>Counts nesting so that a forged, deeply nested payload fails cleanly instead of overflowing the stack.</summary>
    internal void EnterNested()
    {
        if (++_depth > WireLimits.MaxDepth)
        {
            throw WireErrors.TooDeep();
        }
    }

    internal void ExitNested() => _depth--;
}
