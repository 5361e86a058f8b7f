using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Raft.Runtime.Messaging;

namespace Raft.Runtime.Transport;

/// <summary>
/// The TCP framing of messages. A frame is a 4-byte little-endian length followed by that many bytes:
/// protocol version (1 byte), kind, status, message id (8), target type and key, source (flag + type + key),
/// reply-to, reply-via (flag + name), interface name, method id (4), timeout in ticks (8), then the body.
/// Strings are a 4-byte length and UTF-8. The first frame on a connection is a hello naming the peer.
/// Anything that does not decode is a <see cref="MalformedFrameException"/>, and the connection is closed.
/// </summary>
internal static class FrameCodec
{
    public const byte ProtocolVersion = 1;
    public const int LengthPrefixSize = 4;
    private static ReadOnlySpan<byte> HelloMagic => "RORL"u8;

    public static void WriteHello(IBufferWriter<byte> output, string peerName, bool isClient)
    {
        var name = Encoding.UTF8.GetBytes(peerName);
        var length = 4 + 1 + 1 + 4 + name.Length;
        var span = output.GetSpan(LengthPrefixSize + length);
        BinaryPrimitives.WriteInt32LittleEndian(span, length);
        HelloMagic.CopyTo(span[4..]);
        span[8] = ProtocolVersion;
        span[9] = isClient ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteInt32LittleEndian(span[10..], name.Length);
        name.CopyTo(span[14..]);
        output.Advance(LengthPrefixSize + length);
    }

    public static (string PeerName, bool IsClient) ReadHello(ReadOnlySequence<byte> frame)
    {
        var reader = new FrameReader(frame);
        var magic = new byte[4];
        reader.ReadBytes(magic);
        if (!magic.SequenceEqual(HelloMagic))
        {
            throw new MalformedFrameException("The first frame is not a RaftOrleans hello.");
        }
        var version = reader.ReadByte();
        if (version != ProtocolVersion)
        {
            throw new MalformedFrameException($"Peer speaks protocol version {version}; this build speaks {ProtocolVersion}.");
        }
        var isClient = reader.ReadByte() == 1;
        var name = reader.ReadString();
        reader.EnsureEnd();
        return (name, isClient);
    }

    public static void WriteMessage(IBufferWriter<byte> output, Message message)
    {
        // Strings are encoded straight into the output: no temporary arrays per message.
        var utf8 = Encoding.UTF8;
        var targetType = utf8.GetByteCount(message.Target.Type);
        var targetKey = utf8.GetByteCount(message.Target.Key);
        var sourceType = message.Source is { } s ? utf8.GetByteCount(s.Type) : 0;
        var sourceKey = message.Source is { } s2 ? utf8.GetByteCount(s2.Key) : 0;
        var replyTo = utf8.GetByteCount(message.ReplyTo);
        var replyVia = message.ReplyVia is { } via ? utf8.GetByteCount(via) : 0;
        var interfaceName = utf8.GetByteCount(message.InterfaceName);
        var length = 1 + 1 + 1 + 8
            + 4 + targetType + 4 + targetKey
            + 1 + (message.Source is null ? 0 : 4 + sourceType + 4 + sourceKey)
            + 4 + replyTo
            + 1 + (message.ReplyVia is null ? 0 : 4 + replyVia)
            + 4 + interfaceName + 4 + 8
            + message.Body.Length;
        var span = output.GetSpan(LengthPrefixSize + length);
        var writer = new FrameWriter(span);
        writer.WriteInt32(length);
        writer.WriteByte(ProtocolVersion);
        writer.WriteByte((byte)message.Kind);
        writer.WriteByte((byte)message.Status);
        writer.WriteInt64(message.Id);
        writer.WriteString(message.Target.Type, targetType);
        writer.WriteString(message.Target.Key, targetKey);
        writer.WriteByte(message.Source is null ? (byte)0 : (byte)1);
        if (message.Source is { } source)
        {
            writer.WriteString(source.Type, sourceType);
            writer.WriteString(source.Key, sourceKey);
        }
        writer.WriteString(message.ReplyTo, replyTo);
        writer.WriteByte(message.ReplyVia is null ? (byte)0 : (byte)1);
        if (message.ReplyVia is { } replyViaName)
        {
            writer.WriteString(replyViaName, replyVia);
        }
        writer.WriteString(message.InterfaceName, interfaceName);
        writer.WriteUInt32(message.MethodId);
        writer.WriteInt64(message.Timeout.Ticks);
        writer.WriteBytes(message.Body.Span);
        output.Advance(LengthPrefixSize + length);
    }

    /// <param name="strings">Decoded header strings to reuse (grain types, keys, silo and interface names repeat on
    /// every frame of a connection); null decodes each one anew.</param>
    public static Message ReadMessage(ReadOnlySequence<byte> frame, FrameStringCache? strings = null)
    {
        var reader = new FrameReader(frame, strings);
        var version = reader.ReadByte();
        if (version != ProtocolVersion)
        {
            throw new MalformedFrameException($"Frame has protocol version {version}; this build speaks {ProtocolVersion}.");
        }
        var kind = (MessageKind)reader.ReadByte();
        if (kind is not (MessageKind.Request or MessageKind.OneWay or MessageKind.Response or MessageKind.Cancel))
        {
            throw new MalformedFrameException($"Unknown message kind {(byte)kind}.");
        }
        var status = (ResponseStatus)reader.ReadByte();
        if (status is not (ResponseStatus.Ok or ResponseStatus.Error or ResponseStatus.Rejected))
        {
            throw new MalformedFrameException($"Unknown response status {(byte)status}.");
        }
        var id = reader.ReadInt64();
        var target = new GrainId(reader.ReadString(), reader.ReadString());
        GrainId? source = reader.ReadByte() switch
        {
            0 => null,
            1 => new GrainId(reader.ReadString(), reader.ReadString()),
            var flag => throw new MalformedFrameException($"Bad source flag {flag}."),
        };
        var replyTo = reader.ReadString();
        string? replyVia = reader.ReadByte() switch
        {
            0 => null,
            1 => reader.ReadString(),
            var flag => throw new MalformedFrameException($"Bad reply-via flag {flag}."),
        };
        var interfaceName = reader.ReadString();
        var methodId = reader.ReadUInt32();
        var timeoutTicks = reader.ReadInt64();
        if (timeoutTicks < 0)
        {
            throw new MalformedFrameException("Negative timeout.");
        }
        return new Message
        {
            Id = id,
            Kind = kind,
            Status = status,
            Target = target,
            Source = source,
            ReplyTo = replyTo,
            ReplyVia = replyVia,
            InterfaceName = interfaceName,
            MethodId = methodId,
            Timeout = TimeSpan.FromTicks(timeoutTicks),
            Body = reader.ReadRemaining(),
        };
    }

    private ref struct FrameWriter(Span<byte> span)
    {
        private readonly Span<byte> span = span;
        private int position;

        public void WriteByte(byte value) => span[position++] = value;

        public void WriteInt32(int value)
        {
            BinaryPrimitives.WriteInt32LittleEndian(span[position..], value);
            position += 4;
        }

        public void WriteUInt32(uint value)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(span[position..], value);
            position += 4;
        }

        public void WriteInt64(long value)
        {
            BinaryPrimitives.WriteInt64LittleEndian(span[position..], value);
            position += 8;
        }

        public void WriteString(string value, int byteCount)
        {
            WriteInt32(byteCount);
            position += Encoding.UTF8.GetBytes(value, span[position..]);
        }

        public void WriteBytes(ReadOnlySpan<byte> bytes)
        {
            bytes.CopyTo(span[position..]);
            position += bytes.Length;
        }
    }

    private ref struct FrameReader(ReadOnlySequence<byte> frame, FrameStringCache? strings = null)
    {
        private SequenceReader<byte> reader = new(frame);

        public byte ReadByte() => reader.TryRead(out var value) ? value : throw Truncated();

        public int ReadInt32() => reader.TryReadLittleEndian(out int value) ? value : throw Truncated();

        public uint ReadUInt32() => (uint)ReadInt32();

        public long ReadInt64() => reader.TryReadLittleEndian(out long value) ? value : throw Truncated();

        public void ReadBytes(scoped Span<byte> destination)
        {
            if (!reader.TryCopyTo(destination))
            {
                throw Truncated();
            }
            reader.Advance(destination.Length);
        }

        public string ReadString()
        {
            var length = ReadInt32();
            if (length < 0 || length > reader.Remaining)
            {
                throw new MalformedFrameException($"String length {length} exceeds the frame.");
            }
            var bytes = reader.UnreadSequence.Slice(0, length);
            reader.Advance(length);
            try
            {
                if (strings is not null && bytes.IsSingleSegment && length <= FrameStringCache.MaxBytes)
                {
                    return strings.GetOrDecode(bytes.FirstSpan);
                }
                return StrictUtf8.GetString(bytes);
            }
            catch (DecoderFallbackException exception)
            {
                throw new MalformedFrameException("A string is not valid UTF-8.", exception);
            }
        }

        public ReadOnlyMemory<byte> ReadRemaining()
        {
            var bytes = reader.UnreadSequence.ToArray();
            reader.AdvanceToEnd();
            return bytes;
        }

        public void EnsureEnd()
        {
            if (!reader.End)
            {
                throw new MalformedFrameException("Unexpected bytes after the end of the frame.");
            }
        }

        private static MalformedFrameException Truncated() => new("The frame ends early.");
    }

    internal static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
}

/// <summary>
/// The strings recently decoded from one connection's frame headers, by their UTF-8 bytes: a small direct-mapped
/// cache, so that the names every frame repeats are not allocated again for each message. Not thread-safe: one per
/// read loop. Bytes are compared in full, so a hit returns exactly the string those bytes decode to.
/// </summary>
internal sealed class FrameStringCache
{
    public const int MaxBytes = 128;
    private const int Slots = 64;
    private readonly byte[]?[] keys = new byte[]?[Slots];
    private readonly string?[] values = new string?[Slots];

    public string GetOrDecode(ReadOnlySpan<byte> utf8)
    {
        var hash = 2166136261u;
        foreach (var b in utf8)
        {
            hash = (hash ^ b) * 16777619u;
        }
        var slot = (int)(hash % Slots);
        if (keys[slot] is { } key && utf8.SequenceEqual(key))
        {
            return values[slot]!;
        }
        var value = FrameCodec.StrictUtf8.GetString(utf8); // throws on invalid UTF-8 before anything is cached
        keys[slot] = utf8.ToArray();
        values[slot] = value;
        return value;
    }
}

/// <summary>A frame on a TCP connection could not be decoded; the connection that sent it is closed.</summary>
internal sealed class MalformedFrameException : Exception
{
    public MalformedFrameException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
