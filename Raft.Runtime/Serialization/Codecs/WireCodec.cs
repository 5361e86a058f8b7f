namespace Raft.Runtime.Serialization;

/// <summary>
/// Reads and writes values of one declared type. Codecs are built once per type (see <see cref="CodecRegistry"/>),
/// hold no per-call state and are shared by every serializer and thread.
/// </summary>
internal abstract class WireCodec
{
    public abstract Type Type { get; }

    /// <summary>
    /// Non-null when every value, null included, is written with this one wire type, so a sequence of them can
    /// drop the per-element header ("packed"). Value types that can never be null qualify; so do strings and
    /// byte arrays, whose length prefix has its own null marker.
    /// </summary>
    public virtual WireType? PackedWireType => null;

    /// <summary>Writes header (field id and wire type) and body.</summary>
    public abstract void WriteBoxed(ref WireWriter writer, ulong fieldId, object? value);

    /// <summary>Reads a body whose header, carrying <paramref name="wireType"/>, has been consumed.</summary>
    public abstract object? ReadBoxed(ref WireReader reader, WireType wireType);
}

/// <summary>The typed form every codec implements, so that members and elements are never boxed.</summary>
internal abstract class WireCodec<T> : WireCodec
{
    public override Type Type => typeof(T);

    /// <summary>Writes header (field id and wire type) and body.</summary>
    public abstract void Write(ref WireWriter writer, ulong fieldId, T value);

    /// <summary>Reads a body whose header, carrying <paramref name="wireType"/>, has been consumed.</summary>
    public abstract T Read(ref WireReader reader, WireType wireType);

    /// <summary>Writes only the body; called for packed sequence elements, so only when <see cref="WireCodec.PackedWireType"/> is set.</summary>
    public virtual void WriteBody(ref WireWriter writer, T value) =>
        throw new InvalidOperationException($"{GetType().Name} cannot write header-less values.");

    public sealed override void WriteBoxed(ref WireWriter writer, ulong fieldId, object? value)
    {
        if (value is T typed)
        {
            Write(ref writer, fieldId, typed);
        }
        else if (value is null && default(T) is null)
        {
            Write(ref writer, fieldId, default!);
        }
        else
        {
            var actual = value is null ? "null" : TypeNames.Display(value.GetType());
            throw new WireSerializationException($"A value of type {actual} cannot be written as {TypeNames.Display(typeof(T))}.");
        }
    }

    public sealed override object? ReadBoxed(ref WireReader reader, WireType wireType) => Read(ref reader, wireType);
}

/// <summary>A codec whose values always use one wire type and can therefore be packed in sequences.</summary>
internal abstract class FixedWireTypeCodec<T> : WireCodec<T>
{
    private readonly WireType _wireType;

    protected FixedWireTypeCodec(WireType wireType) => _wireType = wireType;

    public sealed override WireType? PackedWireType => _wireType;

    public sealed override void Write(ref WireWriter writer, ulong fieldId, T value)
    {
        writer.WriteFieldHeader(fieldId, _wireType);
        WriteBody(ref writer, value);
    }

    public sealed override T Read(ref WireReader reader, WireType wireType) =>
        wireType == _wireType ? ReadBody(ref reader) : ReadOther(ref reader, wireType);

    public abstract override void WriteBody(ref WireWriter writer, T value);

    protected abstract T ReadBody(ref WireReader reader);

    /// <summary>Reference codecs accept an explicit <see cref="WireType.Null"/> header as well.</summary>
    protected virtual T ReadOther(ref WireReader reader, WireType wireType) =>
        throw WireErrors.UnexpectedWireType(typeof(T), _wireType, wireType);
}
