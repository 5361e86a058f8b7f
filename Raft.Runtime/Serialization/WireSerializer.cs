// FORMAT (version 1). Integers are LEB128 varints unless fixed; fixed values are little-endian.
//   value    := header body, header = varint(fieldId << 3 | wireType); fieldId is 0 outside an object
//   VarInt          0  varint; signed integers zigzag; bool, char, enums, TimeSpan ticks
//   Fixed32         1  4 bytes: float
//   Fixed64         2  8 bytes: double, DateTime.ToBinary()
//   LengthDelimited 3  varint(n) then n-1 bytes, n = 0 is null: UTF-8 string, byte[], Guid (16), decimal (16),
//                      DateTimeOffset (ticks 8 + offset minutes 2)
//   Object          4  varint(fieldCount), then fieldCount values whose headers carry fieldId = [Id] + 1; field 0 is
//                      the [GenerateSerializer] base type's level, itself an Object. Every member is always written.
//                      Also ValueTuple (Item1 = id 0…), KeyValuePair, GrainId, exceptions {1 type, 2 message,
//                      3 stack trace, 4 inner} and grain references {1 GrainId, 2 interface tag}.
//   Sequence        5  varint(count), mode byte, count elements. Mode 0-5: every element is a bare body of that
//                      wire type (packed: int, string, struct records…); mode 8: every element is a full value.
//                      Arrays, lists, ImmutableArray; dictionaries as 2n elements, key and value alternating.
//   Typed           6  type tag (as LengthDelimited: [Alias] or full name, "Name<Arg,…>", "Name[]"), then a value.
//                      Written when the declared type (object, interface, abstract, non-sealed) does not fix the type.
//   Null            7  no body
// Any value can be skipped from its wire type alone, which is how a reader ignores fields a newer writer added;
// fields an older writer did not send keep their defaults.

namespace Raft.Runtime.Serialization;

/// <summary>
/// The compact, versioned binary serializer for grain-call arguments and results, silo-to-silo messages and grain
/// state. Serializable: primitives, string, byte[], Guid, TimeSpan, DateTime(Offset), decimal, enums, Nullable,
/// arrays, List, IList/IReadOnlyList/IEnumerable/ICollection (read back as List), ImmutableArray, Dictionary and
/// IDictionary/IReadOnlyDictionary (read back as Dictionary), ValueTuple, KeyValuePair, GrainId, exceptions, grain
/// references, and [GenerateSerializer] types. Thread-safe; codecs are built once per type and shared.
/// </summary>
public sealed class WireSerializer
{
    public WireSerializer(IGrainReferenceConverter? referenceConverter = null)
    {
        ReferenceConverter = referenceConverter;
    }

    public IGrainReferenceConverter? ReferenceConverter { get; }

    /// <summary>
    /// Throws <see cref="WireSerializationException"/> naming the type and the member path that cannot be serialized.
    /// Types reached only through object or interface members are checked when a value is written.
    /// </summary>
    public void Validate(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        CodecRegistry.GetCodec(type);
    }

    /// <summary>Writes one value (header and body). The caller flushes the writer when done.</summary>
    public void Serialize(ref WireWriter writer, object? value, Type declaredType)
    {
        ArgumentNullException.ThrowIfNull(declaredType);
        var codec = CodecRegistry.GetCodec(declaredType);
        var previous = writer.Serializer;
        writer.Serializer = this;
        try
        {
            codec.WriteBoxed(ref writer, 0, value);
        }
        finally
        {
            writer.Serializer = previous;
        }
    }

    /// <summary>Writes one value without boxing it.</summary>
    public void Serialize<T>(ref WireWriter writer, T value)
    {
        var previous = writer.Serializer;
        writer.Serializer = this;
        try
        {
            CodecRegistry.Get<T>().Write(ref writer, 0, value);
        }
        finally
        {
            writer.Serializer = previous;
        }
    }

    /// <summary>Reads one value written by <see cref="Serialize(ref WireWriter, object?, Type)"/>; the reader may hold more after it.</summary>
    public object? Deserialize(ref WireReader reader, Type declaredType)
    {
        ArgumentNullException.ThrowIfNull(declaredType);
        var codec = CodecRegistry.GetCodec(declaredType);
        var previous = reader.Serializer;
        reader.Serializer = this;
        try
        {
            return codec.ReadBoxed(ref reader, reader.ReadValueHeader());
        }
        catch (Exception ex) when (IsMalformedInput(ex))
        {
            throw Malformed(declaredType, ex);
        }
        finally
        {
            reader.Serializer = previous;
        }
    }

    /// <summary>Reads one value without boxing it; the reader may hold more after it.</summary>
    public T Deserialize<T>(ref WireReader reader)
    {
        var previous = reader.Serializer;
        reader.Serializer = this;
        try
        {
            return CodecRegistry.Get<T>().Read(ref reader, reader.ReadValueHeader());
        }
        catch (Exception ex) when (IsMalformedInput(ex))
        {
            throw Malformed(typeof(T), ex);
        }
        finally
        {
            reader.Serializer = previous;
        }
    }

    public byte[] SerializeToArray<T>(T value)
    {
        var buffer = PooledBufferWriter.Rent();
        try
        {
            var writer = new WireWriter(buffer) { Serializer = this };
            CodecRegistry.Get<T>().Write(ref writer, 0, value);
            writer.Flush();
            return buffer.WrittenSpan.ToArray();
        }
        finally
        {
            PooledBufferWriter.Return(buffer);
        }
    }

    /// <summary>Reads a payload that holds exactly one value; trailing bytes are an error.</summary>
    public T Deserialize<T>(ReadOnlySpan<byte> data)
    {
        var reader = new WireReader(data) { Serializer = this };
        try
        {
            var value = CodecRegistry.Get<T>().Read(ref reader, reader.ReadValueHeader());
            if (!reader.End)
            {
                throw WireErrors.Malformed($"{reader.Remaining} trailing byte(s) after the value.");
            }
            return value;
        }
        catch (Exception ex) when (IsMalformedInput(ex))
        {
            throw Malformed(typeof(T), ex);
        }
    }

    /// <summary>
    /// A copy that shares no mutable state with <paramref name="value"/>, for passing arguments between grains in
    /// one process. Immutable values (see <see cref="IsShallowCopyable"/>) are returned as they are.
    /// </summary>
    public T DeepCopy<T>(T value)
    {
        if (value is null || IsShallowCopyable(typeof(T)) || (!typeof(T).IsValueType && IsShallowCopyable(value.GetType())))
        {
            return value;
        }
        var buffer = PooledBufferWriter.Rent();
        try
        {
            var codec = CodecRegistry.Get<T>();
            var writer = new WireWriter(buffer) { Serializer = this };
            codec.Write(ref writer, 0, value);
            writer.Flush();
            var reader = new WireReader(buffer.WrittenSpan) { Serializer = this };
            return codec.Read(ref reader, reader.ReadValueHeader());
        }
        finally
        {
            PooledBufferWriter.Return(buffer);
        }
    }

    /// <summary>True for values that cannot be mutated, so a copy may share them: primitives, string, enums,
    /// decimal, Guid, date and time types, GrainId, [Immutable] types, and Nullable of those.</summary>
    public static bool IsShallowCopyable(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        return ShallowCopyable.Get(type);
    }

    /// <summary>
    /// Input-driven failures from below the codecs (a user constructor rejecting a value, a converter refusing an
    /// id) are reported as malformed payloads, like every other bad input.
    /// </summary>
    private static bool IsMalformedInput(Exception ex) => ex is not (WireSerializationException or OutOfMemoryException);

    private static WireSerializationException Malformed(Type type, Exception inner) =>
        new($"Cannot deserialize {TypeNames.Display(type)}: {inner.Message}", inner);
}
