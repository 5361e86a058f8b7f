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
        var targetType = Encoding.UTF8.GetBytes(message.Target.Type);
        var targetKey = Encoding.UTF8.GetBytes(message.Target.Key);
        var sourceType = message.Source is { } s ? Encoding.UTF8.GetBytes(s.Type) : [];
        var sourceKey = message.Source is { } s2 ? Encoding.UTF8.GetBytes(s2.Key) : [];
        var replyTo = Encoding.UTF8.GetBytes(message.ReplyTo);
        var replyVia = message.ReplyVia is { } via ? Encoding.UTF8.GetBytes(via) : [];
        var interfaceName = Encoding.UTF8.GetBytes(message.InterfaceName);
        var length = 1 + 1 + 1 + 8
            + 4 + targetType.Length + 4 + targetKey.Length
            + 1 + (message.Source is null ? 0 : 4 + sourceType.Length + 4 + sourceKey.Length)
            + 4 + replyTo.Length
            + 1 + (message.ReplyVia is null ? 0 : 4 + replyVia.Length)
            + 4 + interfaceName.Length + 4 + 8
            + message.Body.Length;
        var span = output.GetSpan(LengthPrefixSize + length);
        var writer = new FrameWriter(span);
        writer.WriteInt32(length);
        writer.WriteByte(ProtocolVersion);
        writer.WriteByte((byte)message.Kind);
        writer.WriteByte((byte)message.Status);
        writer.WriteInt64(message.Id);
        writer.WriteString(targetType);
        writer.WriteString(targetKey);
        writer.WriteByte(message.Source is null ? (byte)0 : (byte)1);
        if (message.Source is not null)
        {
            writer.WriteString(sourceType);
            writer.WriteString(sourceKey);
        }
        writer.WriteString(replyTo);
        writer.WriteByte(message.ReplyVia is null ? (byte)0 : (byte)1);
        if (message.ReplyVia is not null)
        {
            writer.WriteString(replyVia);
        }
        writer.WriteString(interfaceName);
        writer.WriteUInt32(message.MethodId);
        writer.WriteInt64(message.Timeout.Ticks);
        writer.WriteBytes(message.Body.Span);
        output.Advance(LengthPrefixSize + length);
    }

    public static Message ReadMessage(ReadOnlySequence<byte> frame)
    {
        var reader = new FrameReader(frame);
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

        public void WriteString(ReadOnlySpan<byte> utf8)
        {
            WriteInt32(utf8.Length);
            WriteBytes(utf8);
        }

        public void WriteBytes(ReadOnlySpan<byte> bytes)
        {
            bytes.CopyTo(span[position..]);
            position += bytes.Length;
        }
    }

    private ref struct FrameReader(ReadOnlySequence<byte> frame)
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

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
}

/// <summary>A frame on a TCP connection could not be decoded; the connection that sent it is closed.</summary>
internal sealed class MalformedFrameException : Exception
{
    public MalformedFrameException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
