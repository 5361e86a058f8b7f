namespace Raft.Runtime.Serialization;

/// <summary>
/// A grain reference (a proxy) crosses the wire as what identifies it: an Object of
/// { 1: GrainId, 2: grain interface tag }. The serializer's <see cref="IGrainReferenceConverter"/> turns proxies into
/// ids and back; without one, references cannot be serialized.
/// </summary>
internal sealed class GrainReferenceCodec<T> : WireCodec<T?>
    where T : class
{
    public override void Write(ref WireWriter writer, ulong fieldId, T? value)
    {
        if (value is null)
        {
            writer.WriteFieldHeader(fieldId, WireType.Null);
            return;
        }
        if (!GrainReferences.TryWrite(ref writer, fieldId, value, tagged: false))
        {
            throw new WireSerializationException(writer.Serializer?.ReferenceConverter is null
                ? $"A {TypeNames.Display(typeof(T))} grain reference cannot be serialized: the serializer has no IGrainReferenceConverter."
                : $"A {TypeNames.Display(value.GetType())} declared as {TypeNames.Display(typeof(T))} is not a grain reference the converter recognizes.");
        }
    }

    public override T? Read(ref WireReader reader, WireType wireType)
    {
        if (wireType == WireType.Null)
        {
            return null;
        }
        if (wireType != WireType.Object)
        {
            throw WireErrors.UnexpectedWireType(typeof(T), WireType.Object, wireType);
        }
        var reference = GrainReferences.ReadBody(ref reader);
        return reference as T ?? throw new WireSerializationException(
            $"A grain reference of type {TypeNames.Display(reference.GetType())} was read where a {TypeNames.Display(typeof(T))} is declared.");
    }
}

internal static class GrainReferences
{
    private const ulong GrainIdField = 1;
    private const ulong InterfaceField = 2;

    private static readonly byte[] TagUtf8 = TypeTags.GetUtf8(typeof(IAddressable));
    private static readonly TagCache<Type> Interfaces = new(ResolveInterface);

    /// <summary>Writes the reference, or returns false when there is no converter or it does not know the value.</summary>
    /// <param name="tagged">Wrap it as a Typed value (for a polymorphic declared type such as object).</param>
    public static bool TryWrite(ref WireWriter writer, ulong fieldId, object value, bool tagged)
    {
        var converter = writer.Serializer?.ReferenceConverter;
        if (converter is null || !converter.TryGetGrainId(value, out var grainId, out var grainInterface))
        {
            return false;
        }
        if (tagged)
        {
            writer.WriteFieldHeader(fieldId, WireType.Typed);
            writer.EnterNested();
            writer.WriteLengthPrefixed(TagUtf8);
            fieldId = 0;
        }
        writer.WriteFieldHeader(fieldId, WireType.Object);
        writer.EnterNested();
        writer.WriteVarUInt64(2);
        CodecRegistry.Get<GrainId>().Write(ref writer, GrainIdField, grainId);
        writer.WriteFieldHeader(InterfaceField, WireType.LengthDelimited);
        writer.WriteLengthPrefixed(TypeTags.GetUtf8(grainInterface));
        writer.ExitNested();
        if (tagged)
        {
            writer.ExitNested();
        }
        return true;
    }

    /// <summary>Reads an Object body written by <see cref="TryWrite"/> and asks the converter for a proxy.</summary>
    public static object ReadBody(ref WireReader reader)
    {
        reader.EnterNested();
        var count = reader.ReadCount();
        GrainId? grainId = null;
        Type? grainInterface = null;
        for (var i = 0; i < count; i++)
        {
            var wireType = reader.ReadFieldHeader(out var fieldId);
            switch (fieldId)
            {
                case GrainIdField:
                    grainId = CodecRegistry.Get<GrainId>().Read(ref reader, wireType);
                    break;
                case InterfaceField when wireType == WireType.LengthDelimited:
                    if (reader.TryReadLengthPrefixed(out var tag))
                    {
                        grainInterface = Interfaces.Get(tag);
                    }
                    break;
                default:
                    reader.SkipValue(wireType);
                    break;
            }
        }
        reader.ExitNested();
        if (grainId is null || grainInterface is null)
        {
            throw WireErrors.Malformed("a grain reference lacks its grain id or interface.");
        }
        var converter = reader.Serializer?.ReferenceConverter ?? throw new WireSerializationException(
            "A grain reference cannot be deserialized: the serializer has no IGrainReferenceConverter.");
        return converter.CreateReference(grainId.Value, grainInterface);
    }

    /// <summary>Only grain interfaces: the converter is never asked to create anything else.</summary>
    private static Type ResolveInterface(string tag)
    {
        var type = TypeTags.Resolve(tag, typeof(IAddressable));
        if (!type.IsInterface || !typeof(IAddressable).IsAssignableFrom(type))
        {
            throw new WireSerializationException($"Type tag '{tag}' names {TypeNames.Display(type)}, which is not a grain interface.");
        }
        return type;
    }
}
