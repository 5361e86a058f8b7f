using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Raft.Runtime.Serialization;

/// <summary>
/// Writes wire primitives into an <see cref="IBufferWriter{T}"/>. Bytes are staged in the span last obtained from
/// the output and committed when it fills up or on <see cref="Flush"/>, which the caller must call when done.
/// </summary>
public ref struct WireWriter
{
    // Asking for small spans would make every few writes go back to the output.
    private const int MinimumChunk = 256;
    private const int MaxCopyChunk = 64 * 1024;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly IBufferWriter<byte> _output;
    private Span<byte> _buffer;
    private int _buffered;
    private long _committed;
    private int _depth;

    public WireWriter(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        _output = output;
    }

    /// <summary>Bytes written so far, committed or not.</summary>
    public readonly long BytesWritten => _committed + _buffered;

    /// <summary>Gives codecs access to per-serializer services (the grain reference converter).</summary>
    internal WireSerializer? Serializer { get; set; }

    /// <summary>Commits staged bytes to the output. Call once writing is done.</summary>
    public void Flush()
    {
        if (_buffered > 0)
        {
            _output.Advance(_buffered);
            _committed += _buffered;
            _buffered = 0;
        }
        // The rest of the span may no longer be ours after Advance.
        _buffer = default;
    }

    public void WriteByte(byte value)
    {
        if (_buffered >= _buffer.Length)
        {
            Grow(1);
        }
        _buffer[_buffered++] = value;
    }

    /// <summary>Writes raw bytes (no length prefix).</summary>
    public void WriteBytes(scoped ReadOnlySpan<byte> value)
    {
        if (value.Length <= _buffer.Length - _buffered)
        {
            value.CopyTo(_buffer[_buffered..]);
            _buffered += value.Length;
            return;
        }
        // Large payloads go in chunks so that the output never has to find one huge contiguous span.
        while (!value.IsEmpty)
        {
            if (_buffered == _buffer.Length)
            {
                Grow(Math.Min(value.Length, MaxCopyChunk));
            }
            var count = Math.Min(value.Length, _buffer.Length - _buffered);
            value[..count].CopyTo(_buffer[_buffered..]);
            _buffered += count;
            value = value[count..];
        }
    }

    public void WriteVarUInt64(ulong value)
    {
        if (_buffer.Length - _buffered < 10)
        {
            Grow(10);
        }
        var buffer = _buffer;
        var position = _buffered;
        while (value >= 0x80)
        {
            buffer[position++] = (byte)(value | 0x80);
            value >>= 7;
        }
        buffer[position++] = (byte)value;
        _buffered = position;
    }

    public void WriteVarUInt32(uint value) => WriteVarUInt64(value);

    /// <summary>Zigzag-encodes so that small negative numbers stay short.</summary>
    public void WriteVarInt64(long value) => WriteVarUInt64((ulong)((value << 1) ^ (value >> 63)));

    public void WriteVarInt32(int value) => WriteVarInt64(value);

    public void WriteInt32(int value)
    {
        BinaryPrimitives.WriteInt32LittleEndian(Reserve(4), value);
        _buffered += 4;
    }

    public void WriteInt64(long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(Reserve(8), value);
        _buffered += 8;
    }

    public void WriteSingle(float value)
    {
        BinaryPrimitives.WriteSingleLittleEndian(Reserve(4), value);
        _buffered += 4;
    }

    public void WriteDouble(double value)
    {
        BinaryPrimitives.WriteDoubleLittleEndian(Reserve(8), value);
        _buffered += 8;
    }

    /// <summary>Writes the 16 bytes of the GUID (no length prefix).</summary>
    public void WriteGuid(Guid value)
    {
        value.TryWriteBytes(Reserve(16));
        _buffered += 16;
    }

    /// <summary>Writes varint(byte length + 1) and the UTF-8 bytes; null is a single 0.</summary>
    public void WriteString(string? value)
    {
        if (value is null)
        {
            WriteByte(0);
            return;
        }
        int byteCount;
        try
        {
            byteCount = StrictUtf8.GetByteCount(value);
        }
        catch (EncoderFallbackException ex)
        {
            throw new WireSerializationException("A string contains invalid UTF-16 (a lone surrogate) and cannot be written as UTF-8.", ex);
        }
        WriteVarUInt64((ulong)byteCount + 1);
        if (byteCount <= MaxCopyChunk)
        {
            StrictUtf8.GetBytes(value, Reserve(byteCount));
            _buffered += byteCount;
            return;
        }
        var rented = ArrayPool<byte>.Shared.Rent(byteCount);
        try
        {
            var written = StrictUtf8.GetBytes(value, rented);
            WriteBytes(rented.AsSpan(0, written));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Writes varint(length + 1) and the bytes; null is a single 0.</summary>
    public void WriteByteArray(byte[]? value)
    {
        if (value is null)
        {
            WriteByte(0);
            return;
        }
        WriteLengthPrefixed(value);
    }

    /// <summary>Writes varint(length + 1) and the bytes (the non-null form of a length-delimited body).</summary>
    public void WriteLengthPrefixed(scoped ReadOnlySpan<byte> value)
    {
        WriteVarUInt64((ulong)value.Length + 1);
        WriteBytes(value);
    }

    internal void WriteFieldHeader(ulong fieldId, WireType wireType) => WriteVarUInt64((fieldId << 3) | (byte)wireType);

    /// <summary>Counts nesting so that a cyclic object graph fails cleanly instead of overflowing the stack.</summary>
    internal void EnterNested()
    {
        if (++_depth > WireLimits.MaxDepth)
        {
            throw WireErrors.TooDeep();
        }
    }

    internal void ExitNested() => _depth--;

    private Span<byte> Reserve(int size)
    {
        if (_buffer.Length - _buffered < size)
        {
            Grow(size);
        }
        return _buffer.Slice(_buffered, size);
    }

    private void Grow(int size)
    {
        if (_buffered > 0)
        {
            _output.Advance(_buffered);
            _committed += _buffered;
            _buffered = 0;
        }
        _buffer = _output.GetSpan(Math.Max(size, MinimumChunk));
        if (_buffer.Length < size)
        {
            throw new InvalidOperationException($"The output returned a {_buffer.Length}-byte span when {size} bytes were requested.");
        }
    }
}
