using System.Buffers.Binary;
using System.Text;

namespace Raft.Tests.Lab3;

/// <summary>
/// The tests' commands as Raft sees them: opaque byte[]. A tiny self-describing encoding lets one test submit
/// both ints and strings (TestRPCBytes3B sends one(99) and then 5000-character strings), as Go's interface{}
/// commands do: a kind byte, then 8 little-endian bytes for an int or the UTF-8 bytes of a string.
/// Decoded values are boxed long or string, compared with Equals.
/// </summary>
internal static class LabCommand
{
    private const byte IntKind = 1;
    private const byte StringKind = 2;

    public static byte[] Encode(object value) => value switch
    {
        int i => EncodeInt(i),
        long l => EncodeInt(l),
        string s => EncodeString(s),
        _ => throw new ArgumentException($"Commands are ints or strings, not {value.GetType().Name}."),
    };

    public static byte[] EncodeInt(long value)
    {
        var bytes = new byte[9];
        bytes[0] = IntKind;
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(1), value);
        return bytes;
    }

    public static byte[] EncodeString(string value)
    {
        var bytes = new byte[1 + Encoding.UTF8.GetByteCount(value)];
        bytes[0] = StringKind;
        Encoding.UTF8.GetBytes(value, bytes.AsSpan(1));
        return bytes;
    }

    /// <summary>The value a command carries: a boxed long or a string. Throws on anything the tests never sent.</summary>
    public static object Decode(byte[]? command)
    {
        if (command is null || command.Length == 0)
        {
            throw new FormatException("empty command");
        }
        return command[0] switch
        {
            IntKind when command.Length == 9 => BinaryPrimitives.ReadInt64LittleEndian(command.AsSpan(1)),
            StringKind => Encoding.UTF8.GetString(command.AsSpan(1)),
            _ => throw new FormatException($"not a test command (kind {command[0]}, {command.Length} bytes)"),
        };
    }

    /// <summary>A value for messages: ints in full, strings cut to 8 characters (like the course's %.8s).</summary>
    public static string Show(object? value) => value switch
    {
        null => "<nil>",
        string s when s.Length > 8 => $"\"{s[..8]}…\"({s.Length})",
        string s => $"\"{s}\"",
        _ => value.ToString() ?? "",
    };

    /// <summary>
    /// The tester's snapshot (6.5840 applierSnap): the last included index and the commands 1..index as the
    /// applying peer saw them. Layout: index (8 bytes), count (4), then per command a 4-byte length (-1: the
    /// peer had no value there) and the encoded command.
    /// </summary>
    public static byte[] EncodeSnapshot(long lastIncludedIndex, IReadOnlyList<byte[]?> commands)
    {
        var size = 12 + commands.Sum(c => 4 + (c?.Length ?? 0));
        var bytes = new byte[size];
        var span = bytes.AsSpan();
        BinaryPrimitives.WriteInt64LittleEndian(span, lastIncludedIndex);
        BinaryPrimitives.WriteInt32LittleEndian(span[8..], commands.Count);
        var offset = 12;
        foreach (var command in commands)
        {
            BinaryPrimitives.WriteInt32LittleEndian(span[offset..], command?.Length ?? -1);
            offset += 4;
            if (command is not null)
            {
                command.CopyTo(span[offset..]);
                offset += command.Length;
            }
        }
        return bytes;
    }

    /// <summary>Decodes <see cref="EncodeSnapshot"/>; entry k of the list is index k + 1. Throws FormatException if malformed.</summary>
    public static (long LastIncludedIndex, List<object?> Values) DecodeSnapshot(byte[] snapshot)
    {
        var span = snapshot.AsSpan();
        if (span.Length < 12)
        {
            throw new FormatException($"snapshot of {span.Length} bytes is too short");
        }
        var index = BinaryPrimitives.ReadInt64LittleEndian(span);
        var count = BinaryPrimitives.ReadInt32LittleEndian(span[8..]);
        if (count < 0 || count != index)
        {
            throw new FormatException($"snapshot of index {index} holds {count} commands");
        }
        var values = new List<object?>(count);
        var offset = 12;
        for (var k = 0; k < count; k++)
        {
            if (offset + 4 > span.Length)
            {
                throw new FormatException("snapshot truncated");
            }
            var length = BinaryPrimitives.ReadInt32LittleEndian(span[offset..]);
            offset += 4;
            if (length < 0)
            {
                values.Add(null);
                continue;
            }
            if (offset + length > span.Length)
            {
                throw new FormatException("snapshot truncated");
            }
            values.Add(Decode(span.Slice(offset, length).ToArray()));
            offset += length;
        }
        if (offset != span.Length)
        {
            throw new FormatException($"{span.Length - offset} bytes after the snapshot");
        }
        return (index, values);
    }
}
