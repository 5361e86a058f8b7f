using System.Collections.Concurrent;

namespace Raft.Runtime.Serialization;

/// <summary>
/// A declared type that does not fix the runtime type: object, an interface, an abstract [GenerateSerializer]
/// type, or a non-sealed one holding a subclass. The value goes as a Typed body: its type tag, then the value as
/// the runtime type's codec writes it. A value of exactly the declared (concrete) type is written without a tag.
/// </summary>
internal interface IPolymorphicCodec
{
    /// <summary>Set after construction so that a recursive type's codec can refer to itself while being built.</summary>
    void SetExact(WireCodec exact);
}

internal sealed class PolymorphicCodec<T> : WireCodec<T?>, IPolymorphicCodec
    where T : class
{
    private WireCodec<T?>? _exact;
    private readonly TagCache<WireCodec> _tags = new(static tag => RuntimeTypes.ForTag(tag, typeof(T)));

    /// <param name="exact">The codec for values whose runtime type is T itself; null when T is abstract.</param>
    public PolymorphicCodec(WireCodec<T?>? exact) => _exact = exact;

    public void SetExact(WireCodec exact) => _exact = (WireCodec<T?>)exact;

    public override void Write(ref WireWriter writer, ulong fieldId, T? value)
    {
        if (value is null)
        {
            writer.WriteFieldHeader(fieldId, WireType.Null);
            return;
        }
        var runtimeType = value.GetType();
        if (_exact is not null && runtimeType == typeof(T))
        {
            _exact.Write(ref writer, fieldId, value);
            return;
        }
        if (value is IAddressable addressable && GrainReferences.TryWrite(ref writer, fieldId, addressable, tagged: true))
        {
            return;
        }
        var entry = RuntimeTypes.ForType(runtimeType);
        writer.WriteFieldHeader(fieldId, WireType.Typed);
        writer.EnterNested();
        writer.WriteLengthPrefixed(entry.Tag);
        entry.Codec.WriteBoxed(ref writer, 0, value);
        writer.ExitNested();
    }

    public override T? Read(ref WireReader reader, WireType wireType)
    {
        switch (wireType)
        {
            case WireType.Null:
                return null;
            case WireType.Typed:
            {
                reader.EnterNested();
                if (!reader.TryReadLengthPrefixed(out var tag))
                {
                    throw WireErrors.Malformed("a typed value has a null type tag.");
                }
                var codec = _tags.Get(tag);
                var value = codec.ReadBoxed(ref reader, reader.ReadValueHeader());
                reader.ExitNested();
                return value switch
                {
                    null => null,
                    T typed => typed,
                    // Only a grain reference whose interface is not a T gets here; the tag was checked otherwise.
                    _ => throw new WireSerializationException($"A {TypeNames.Display(value.GetType())} was read where a {TypeNames.Display(typeof(T))} is declared."),
                };
            }
            default:
                return _exact is not null ? _exact.Read(ref reader, wireType) : throw WireErrors.UnexpectedWireType(typeof(T), wireType);
        }
    }
}

/// <summary>The codec and tag for each runtime type written under a polymorphic declared type.</summary>
internal static class RuntimeTypes
{
    private static readonly ConcurrentDictionary<Type, Entry> Entries = new();

    public static Entry ForType(Type runtimeType) => Entries.TryGetValue(runtimeType, out var entry) ? entry : Create(runtimeType);

    /// <summary>Resolves a tag read from the wire, refusing types that are not assignable or not serializable.</summary>
    public static WireCodec ForTag(string tag, Type declared)
    {
        var type = TypeTags.Resolve(tag, declared);
        if (type == typeof(IAddressable))
        {
            // Whether the reference fits the declared type is checked once it is created.
            return CodecRegistry.GetCodec(typeof(IAddressable));
        }
        if (!declared.IsAssignableFrom(type))
        {
            throw new WireSerializationException($"Type tag '{tag}' names {TypeNames.Display(type)}, which is not a {TypeNames.Display(declared)}.");
        }
        try
        {
            return CodecRegistry.GetConcreteCodec(type);
        }
        catch (WireSerializationException ex)
        {
            throw new WireSerializationException($"Type tag '{tag}' is refused: {ex.Message}", ex);
        }
    }

    private static Entry Create(Type runtimeType)
    {
        // Any exception travels as "Exception": its codec carries the real type name and recreates what it can.
        var entry = typeof(Exception).IsAssignableFrom(runtimeType)
            ? new Entry(CodecRegistry.GetCodec(typeof(Exception)), TypeTags.GetUtf8(typeof(Exception)))
            : new Entry(CodecRegistry.GetConcreteCodec(runtimeType), TypeTags.GetUtf8(runtimeType));
        return Entries.GetOrAdd(runtimeType, entry);
    }

    internal sealed record Entry(WireCodec Codec, byte[] Tag);
}
