using System.Collections.Concurrent;
using System.Text;

namespace Raft.Runtime.Serialization;

/// <summary>
/// Maps type tags read from the wire to what they resolved to, looked up straight from the UTF-8 bytes so that a
/// hot polymorphic read allocates no string. Bounded, because tags come from the network.
/// </summary>
internal sealed class TagCache<TValue>
{
    private const int MaxEntries = 1024;
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly ConcurrentDictionary<string, TValue> _entries;
    private readonly ConcurrentDictionary<string, TValue>.AlternateLookup<ReadOnlySpan<char>> _bySpan;
    private readonly Func<string, TValue> _resolve;

    public TagCache(Func<string, TValue> resolve)
    {
        _resolve = resolve;
        _entries = new ConcurrentDictionary<string, TValue>(StringComparer.Ordinal);
        _bySpan = _entries.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public TValue Get(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length > WireLimits.MaxTagBytes)
        {
            throw WireErrors.Malformed($"a type tag of {utf8.Length} bytes exceeds the {WireLimits.MaxTagBytes}-byte limit.");
        }
        Span<char> chars = stackalloc char[utf8.Length];
        int length;
        try
        {
            length = StrictUtf8.GetChars(utf8, chars);
        }
        catch (DecoderFallbackException ex)
        {
            throw new WireSerializationException("Malformed payload: a type tag is not valid UTF-8.", ex);
        }
        var tag = chars[..length];
        if (_bySpan.TryGetValue(tag, out var cached))
        {
            return cached;
        }
        var text = tag.ToString();
        var value = _resolve(text);
        if (_entries.Count < MaxEntries)
        {
            _entries.TryAdd(text, value);
        }
        return value;
    }
}
