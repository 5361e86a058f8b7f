namespace Raft.Simulation.Linearizability;

/// <summary>
/// Lowe's memoisation for the search: the (set of linearized operations, model state) pairs already reached.
/// Reaching a pair again cannot lead anywhere new, because what can still happen depends only on which
/// operations remain and on the state.
/// </summary>
internal sealed class StateCache<TState>
{
    private readonly HashSet<Entry> _entries;
    private readonly IEqualityComparer<TState> _stateComparer;

    public StateCache(IEqualityComparer<TState> stateComparer)
    {
        _stateComparer = stateComparer;
        _entries = new HashSet<Entry>(new EntryComparer(stateComparer));
    }

    public int Count => _entries.Count;

    /// <summary>
    /// Adds (<paramref name="linearized"/>, <paramref name="state"/>) unless present; returns whether it was added.
    /// <paramref name="linearized"/> is only read: the cache stores a copy.
    /// </summary>
    public bool TryAdd(BitSet linearized, TState state)
    {
        var hash = Combine(linearized.Hash64, state is null ? 0 : _stateComparer.GetHashCode(state));
        var probe = new Entry(linearized, state, hash);
        if (_entries.Contains(probe))
        {
            return false;
        }
        _entries.Add(probe with { Linearized = linearized.Clone() });
        return true;
    }

    private static int Combine(ulong bitsHash, int stateHash)
    {
        var h = bitsHash ^ ((ulong)(uint)stateHash * 0x9E3779B97F4A7C15UL);
        return (int)(h ^ (h >> 32));
    }

    private readonly record struct Entry(BitSet Linearized, TState State, int Hash);

    private sealed class EntryComparer(IEqualityComparer<TState> stateComparer) : IEqualityComparer<Entry>
    {
        public bool Equals(Entry x, Entry y) =>
            x.Hash == y.Hash && x.Linearized.Equals(y.Linearized) && stateComparer.Equals(x.State, y.State);

        public int GetHashCode(Entry entry) => entry.Hash;
    }
}
