namespace Raft.Runtime.Serialization;

/// <summary>
/// A dictionary is a sequence of 2n values, key and value alternating, so a reader without the type skips it
/// like any sequence. It is packed only when keys and values share one packable wire type (e.g. string to string).
/// </summary>
internal sealed class PairFormat<TKey, TValue>(WireCodec<TKey> keys, WireCodec<TValue> values)
    where TKey : notnull
{
    private readonly ElementFormat<TKey> _keys = new(keys);
    private readonly ElementFormat<TValue> _values = new(values);
    private readonly byte _mode = keys.PackedWireType is { } k && values.PackedWireType == k ? (byte)k : WireReader.TaggedElements;

    public void Write(ref WireWriter writer, ulong fieldId, IEnumerable<KeyValuePair<TKey, TValue>> pairs, int count)
    {
        writer.WriteFieldHeader(fieldId, WireType.Sequence);
        writer.EnterNested();
        ElementFormat<TKey>.WriteHeader(ref writer, checked(count * 2), _mode);
        var written = 0;
        if (pairs is Dictionary<TKey, TValue> dictionary)
        {
            // The struct enumerator avoids an allocation on the common path.
            foreach (var pair in dictionary)
            {
                WritePair(ref writer, pair);
                written++;
            }
        }
        else
        {
            foreach (var pair in pairs)
            {
                WritePair(ref writer, pair);
                written++;
            }
        }
        if (written != count)
        {
            throw new InvalidOperationException($"The dictionary changed while being serialized ({count} entries announced, {written} written).");
        }
        writer.ExitNested();
    }

    public Dictionary<TKey, TValue> Read(ref WireReader reader)
    {
        reader.EnterNested();
        var count = reader.ReadSequenceHeader(out var mode);
        if (count % 2 != 0)
        {
            throw WireErrors.Malformed($"a dictionary holds an odd number ({count}) of keys and values.");
        }
        var result = new Dictionary<TKey, TValue>(count / 2);
        for (var i = 0; i < count; i += 2)
        {
            var key = _keys.Read(ref reader, mode);
            var value = _values.Read(ref reader, mode);
            if (key is null)
            {
                throw WireErrors.Malformed($"a null key in a dictionary of {TypeNames.Display(typeof(TKey))}.");
            }
            if (!result.TryAdd(key, value))
            {
                throw WireErrors.Malformed($"duplicate dictionary key '{key}'.");
            }
        }
        reader.ExitNested();
        return result;
    }

    private void WritePair(ref WireWriter writer, KeyValuePair<TKey, TValue> pair)
    {
        _keys.Write(ref writer, pair.Key, _mode);
        _values.Write(ref writer, pair.Value, _mode);
    }
}

internal sealed class DictionaryCodec<TKey, TValue>(WireCodec<TKey> keys, WireCodec<TValue> values) : WireCodec<Dictionary<TKey, TValue>?>
    where TKey : notnull
{
    private readonly PairFormat<TKey, TValue> _format = new(keys, values);

    public override void Write(ref WireWriter writer, ulong fieldId, Dictionary<TKey, TValue>? value)
    {
        if (value is null)
        {
            writer.WriteFieldHeader(fieldId, WireType.Null);
            return;
        }
        _format.Write(ref writer, fieldId, value, value.Count);
    }

    public override Dictionary<TKey, TValue>? Read(ref WireReader reader, WireType wireType) => wireType switch
    {
        WireType.Sequence => _format.Read(ref reader),
        WireType.Null => null,
        _ => throw WireErrors.UnexpectedWireType(typeof(Dictionary<TKey, TValue>), WireType.Sequence, wireType),
    };
}

/// <summary>A declared IDictionary or IReadOnlyDictionary; read back as a <see cref="Dictionary{TKey, TValue}"/>.</summary>
internal sealed class DictionaryInterfaceCodec<TDictionary, TKey, TValue>(WireCodec<TKey> keys, WireCodec<TValue> values) : WireCodec<TDictionary?>
    where TDictionary : class, IEnumerable<KeyValuePair<TKey, TValue>>
    where TKey : notnull
{
    private readonly PairFormat<TKey, TValue> _format = new(keys, values);

    public override void Write(ref WireWriter writer, ulong fieldId, TDictionary? value)
    {
        if (value is null)
        {
            writer.WriteFieldHeader(fieldId, WireType.Null);
            return;
        }
        var count = value switch
        {
            IReadOnlyCollection<KeyValuePair<TKey, TValue>> readOnly => readOnly.Count,
            ICollection<KeyValuePair<TKey, TValue>> collection => collection.Count,
            _ => -1,
        };
        if (count < 0)
        {
            var copy = new List<KeyValuePair<TKey, TValue>>(value);
            _format.Write(ref writer, fieldId, copy, copy.Count);
            return;
        }
        _format.Write(ref writer, fieldId, value, count);
    }

    public override TDictionary? Read(ref WireReader reader, WireType wireType) => wireType switch
    {
        WireType.Sequence => (TDictionary)(object)_format.Read(ref reader),
        WireType.Null => null,
        _ => throw WireErrors.UnexpectedWireType(typeof(TDictionary), WireType.Sequence, wireType),
    };
}
