using System.Buffers.Binary;

namespace Raft.Persistence.Sqlite;

/// <summary>
/// The envelope every storage provider wraps a serialized state in, so that a torn or edited record is
/// detected instead of being read as some other state.
/// Layout (little-endian): magic "RORC" (4 bytes), format version (1 byte), payload length (4 bytes),
/// CRC-32C of the payload (4 bytes), payload.
/// </summary>
public static class StoredRecord
{
    public const byte FormatVersion = 1;
    public const int HeaderSize = 13;
    private static ReadOnlySpan<byte> Magic => "RORC"u8;

    public static byte[] Encode(ReadOnlySpan<byte> payload)
    {
        var record = new byte[HeaderSize + payload.Length];
        Magic.CopyTo(record);
        record[4] = FormatVersion;
        BinaryPrimitives.WriteInt32LittleEndian(record.AsSpan(5), payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(9), Crc32C.Compute(payload));
        payload.CopyTo(record.AsSpan(HeaderSize));
        return record;
    }

    /// <summary>Returns the payload, or throws <see cref="CorruptRecordException"/> naming <paramref name="recordName"/>.</summary>
    public static ReadOnlyMemory<byte> Decode(ReadOnlyMemory<byte> record, string recordName)
    {
        var span = record.Span;
        if (span.Length < HeaderSize || !span[..4].SequenceEqual(Magic))
        {
            throw new CorruptRecordException($"Stored record '{recordName}' is corrupt: it does not start with a valid record header ({span.Length} bytes).");
        }
        if (span[4] != FormatVersion)
        {
            throw new CorruptRecordException($"Stored record '{recordName}' has format version {span[4]}, this build reads version {FormatVersion}.");
        }
        var length = BinaryPrimitives.ReadInt32LittleEndian(span[5..]);
        if (length < 0 || length != span.Length - HeaderSize)
        {
            throw new CorruptRecordException($"Stored record '{recordName}' is corrupt: header says {length} payload bytes, found {span.Length - HeaderSize}.");
        }
        var expected = BinaryPrimitives.ReadUInt32LittleEndian(span[9..]);
        var payload = record[HeaderSize..];
        var actual = Crc32C.Compute(payload.Span);
        if (actual != expected)
        {
            throw new CorruptRecordException($"Stored record '{recordName}' failed its checksum (stored 0x{expected:X8}, computed 0x{actual:X8}).");
        }
        return payload;
    }
}
