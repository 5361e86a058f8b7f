using System.Collections.Immutable;
using System.Runtime.InteropServices;

namespace Raft.Runtime.Serialization;

internal sealed class ArrayCodec<T>(WireCodec<T> element) : WireCodec<T[]?>
{
    private readonly ElementFormat<T> _format = new(element);

    public override void Write(ref WireWriter writer, ulong fieldId, T[]? value)
    {
        if (value is null)
        {
            writer.WriteFieldHeader(fieldId, WireType.Null);
            return;
        }
        writer.WriteFieldHeader(fieldId, WireType.Sequence);
        writer.EnterNested();
        _format.WriteAll(ref writer, value);
        writer.ExitNested();
    }

    public override T[]? Read(ref WireReader reader, WireType wireType) => wireType switch
    {
        WireType.Sequence => _format.ReadArray(ref reader),
        WireType.Null => null,
        _ => throw WireErrors.UnexpectedWireType(typeof(T[]), WireType.Sequence, wireType),
    };
}

internal sealed class ListCodec<T>(WireCodec<T> element) : WireCodec<List<T>?>
{
    private readonly ElementFormat<T> _format = new(element);

    public override void Write(ref WireWriter writer, ulong fieldId, List<T>? value)
    {
        if (value is null)
        {
            writer.WriteFieldHeader(fieldId, WireType.Null);
            return;
        }
        writer.WriteFieldHeader(fieldId, WireType.Sequence);
        writer.EnterNested();
        _format.WriteAll(ref writer, CollectionsMarshal.AsSpan(value));
        writer.ExitNested();
    }

    public override List<T>? Read(ref WireReader reader, WireType wireType) => wireType switch
    {
        WireType.Sequence => _format.ReadList(ref reader),
        WireType.Null => null,
        _ => throw WireErrors.UnexpectedWireType(typeof(List<T>), WireType.Sequence, wireType),
    };
}

/// <summary>A default (uninitialized) ImmutableArray is written as null, so it round-trips as default too.</summary>
internal sealed class ImmutableArrayCodec<T>(WireCodec<T> element) : WireCodec<ImmutableArray<T>>
{
    private readonly ElementFormat<T> _format = new(element);

    public override void Write(ref WireWriter writer, ulong fieldId, ImmutableArray<T> value)
    {
        if (value.IsDefault)
        {
            writer.WriteFieldHeader(fieldId, WireType.Null);
            return;
        }
        writer.WriteFieldHeader(fieldId, WireType.Sequence);
        writer.EnterNested();
        _format.WriteAll(ref writer, value.AsSpan());
        writer.ExitNested();
    }

    public override ImmutableArray<T> Read(ref WireReader reader, WireType wireType) => wireType switch
    {
        // The array is fresh and never escapes, so wrapping it without a copy keeps the immutability promise.
        WireType.Sequence => ImmutableCollectionsMarshal.AsImmutableArray(_format.ReadArray(ref reader)),
        WireType.Null => default,
        _ => throw WireErrors.UnexpectedWireType(typeof(ImmutableArray<T>), WireType.Sequence, wireType),
    };
}

/// <summary>
/// A declared IList/IReadOnlyList/IEnumerable/ICollection/IReadOnlyCollection: whatever the runtime collection,
/// its elements are written as a sequence and read back as a <see cref="List{T}"/>.
/// </summary>
internal sealed class ListInterfaceCodec<TCollection, T>(WireCodec<T> element) : WireCodec<TCollection?>
    where TCollection : class, IEnumerable<T>
{
    private readonly ElementFormat<T> _format = new(element);

    public override void Write(ref WireWriter writer, ulong fieldId, TCollection? value)
    {
        if (value is null)
        {
            writer.WriteFieldHeader(fieldId, WireType.Null);
            return;
        }
        writer.WriteFieldHeader(fieldId, WireType.Sequence);
        writer.EnterNested();
        switch (value)
        {
            case List<T> list:
                _format.WriteAll(ref writer, CollectionsMarshal.AsSpan(list));
                break;
            case T[] array:
                _format.WriteAll(ref writer, array);
                break;
            case IReadOnlyList<T> indexed:
                _format.WriteHeader(ref writer, indexed.Count);
                for (var i = 0; i < indexed.Count; i++)
                {
                    _format.Write(ref writer, indexed[i]);
                }
                break;
            case IList<T> indexed:
                _format.WriteHeader(ref writer, indexed.Count);
                for (var i = 0; i < indexed.Count; i++)
                {
                    _format.Write(ref writer, indexed[i]);
                }
                break;
            default:
                // Lazy or count-less sequences are materialized once so the count goes first.
                _format.WriteAll(ref writer, CollectionsMarshal.AsSpan(new List<T>(value)));
                break;
        }
        writer.ExitNested();
    }

    public override TCollection? Read(ref WireReader reader, WireType wireType) => wireType switch
    {
        WireType.Sequence => (TCollection)(object)_format.ReadList(ref reader),
        WireType.Null => null,
        _ => throw WireErrors.UnexpectedWireType(typeof(TCollection), WireType.Sequence, wireType),
    };
}
