using System.Numerics;

namespace Raft.Simulation.Linearizability;

/// <summary>
/// A fixed-capacity set of small non-negative integers (the ids of linearized operations) with an O(1)
/// incrementally maintained hash: the XOR of a 64-bit mix of every member (Zobrist hashing), so setting or
/// clearing a bit updates the hash without rescanning the words. Equality compares the hash first, then the
/// words. Not thread-safe. A set used as a cache key must not be mutated afterwards: store a <see cref="Clone"/>.
/// </summary>
internal sealed class BitSet : IEquatable<BitSet>
{
    private readonly ulong[] _words;
    private ulong _hash;

    public BitSet(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        Capacity = capacity;
        _words = new ulong[(capacity + 63) >> 6];
    }

    private BitSet(BitSet other)
    {
        Capacity = other.Capacity;
        _words = (ulong[])other._words.Clone();
        _hash = other._hash;
        Count = other.Count;
    }

    public int Capacity { get; }

    /// <summary>Number of members.</summary>
    public int Count { get; private set; }

    /// <summary>The 64-bit hash: depends only on the members.</summary>
    public ulong Hash64 => _hash;

    public bool Contains(int index)
    {
        CheckIndex(index);
        return (_words[index >> 6] & (1UL << (index & 63))) != 0;
    }

    /// <summary>Adds <paramref name="index"/>; returns false when it was already a member.</summary>
    public bool Set(int index)
    {
        CheckIndex(index);
        ref var word = ref _words[index >> 6];
        var mask = 1UL << (index & 63);
        if ((word & mask) != 0)
        {
            return false;
        }
        word |= mask;
        _hash ^= Mix(index);
        Count++;
        return true;
    }

    /// <summary>Removes <paramref name="index"/>; returns false when it was not a member.</summary>
    public bool Clear(int index)
    {
        CheckIndex(index);
        ref var word = ref _words[index >> 6];
        var mask = 1UL << (index & 63);
        if ((word & mask) == 0)
        {
            return false;
        }
        word &= ~mask;
        _hash ^= Mix(index);
        Count--;
        return true;
    }

    public BitSet Clone() => new(this);

    /// <summary>The members in increasing order.</summary>
    public IEnumerable<int> Members()
    {
        for (var w = 0; w < _words.Length; w++)
        {
            var word = _words[w];
            while (word != 0)
            {
                yield return (w << 6) + BitOperations.TrailingZeroCount(word);
                word &= word - 1;
            }
        }
    }

    public bool Equals(BitSet? other) =>
        other is not null &&
        (ReferenceEquals(this, other) ||
         (_hash == other._hash && Count == other.Count && Capacity == other.Capacity &&
          _words.AsSpan().SequenceEqual(other._words)));

    public override bool Equals(object? obj) => Equals(obj as BitSet);

    public override int GetHashCode() => (int)(_hash ^ (_hash >> 32));

    public override string ToString() => "{" + string.Join(", ", Members()) + "}";

    /// <summary>SplitMix64 finaliser: a fixed, well-spread 64-bit value per index.</summary>
    private static ulong Mix(int index)
    {
        var z = (ulong)index * 0x9E3779B97F4A7C15UL + 0x632BE59BD9B4E019UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private void CheckIndex(int index)
    {
        if ((uint)index >= (uint)Capacity)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"Index must be in [0, {Capacity}).");
        }
    }
}
