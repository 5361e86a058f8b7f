namespace Raft.Grains.Protocol;

/// <summary>
/// The leader's mutable replication state for one follower, after etcd raft's Progress: Match/Next and the state
/// machine Probe → Replicate (first success) → Probe (rejection or loss) → Snapshot (entries compacted) → Replicate
/// (snapshot acknowledged). Only <see cref="RaftNode"/> changes it, from one turn at a time.
/// </summary>
internal sealed class FollowerProgress(long next, ReplicationLimits limits)
{
    private readonly Inflights _inflights = new(limits.MaxInflightAppends, limits.MaxInflightBytes);

    public long Match { get; private set; }

    public long Next { get; set; } = next;

    public ReplicationState State { get; private set; } = ReplicationState.Probe;

    /// <summary>Probe state: an append is in flight and the next one waits for its answer (or its loss).</summary>
    public bool ProbeSent { get; private set; }

    /// <summary>Snapshot state: the LastIncludedIndex of the InstallSnapshot in flight.</summary>
    public long PendingSnapshot { get; private set; }

    /// <summary>
    /// A reply of the current term came from this follower since the last quorum check (etcd's RecentActive). A new
    /// leader starts with every follower active, so its first check judges a whole interval.
    /// </summary>
    public bool RecentActive { get; set; } = true;

    /// <summary>The largest follower incarnation heard from in this leadership term (0: none yet).</summary>
    public long Incarnation { get; private set; }

    public bool IsPaused => State switch
    {
        ReplicationState.Probe => ProbeSent,
        ReplicationState.Replicate => _inflights.IsFull,
        _ => true,
    };

    public PeerProgress ToView() =>
        new(Next, Match, State, IsPaused, _inflights.Count, _inflights.Bytes, PendingSnapshot);

    /// <summary>A success proved the follower holds everything through <paramref name="index"/>. Returns whether Match moved.</summary>
    public bool MaybeUpdate(long index)
    {
        var updated = false;
        if (Match < index)
        {
            Match = index;
            updated = true;
        }
        Next = Math.Max(Next, index + 1);
        return updated;
    }

    /// <summary>An append of <paramref name="count"/> entries ending at <paramref name="lastIndex"/> went out.</summary>
    public void OnSent(long lastIndex, long bytes)
    {
        switch (State)
        {
            case ReplicationState.Replicate:
                // Optimistic: the next append starts after this one before this one is answered.
                Next = lastIndex + 1;
                _inflights.Add(lastIndex, bytes);
                break;
            case ReplicationState.Probe:
                ProbeSent = true;
                break;
            default:
                throw new InvalidOperationException($"No append goes out in state {State}.");
        }
    }

    /// <summary>Replies acknowledged the follower's log through <paramref name="index"/>: those appends left the window.</summary>
    public void FreeThrough(long index) => _inflights.FreeThrough(index);

    /// <summary>Back to one message at a time from just past what is proven (a rejection or a lost message).</summary>
    public void BecomeProbe()
    {
        State = ReplicationState.Probe;
        Next = Match + 1;
        ProbeSent = false;
        PendingSnapshot = 0;
        _inflights.Clear();
    }

    /// <summary>
    /// The logs are known to match through Match: send optimistically from there. A probe still in flight is not
    /// counted in the window: its entries go again, since it may have gone to an incarnation of the follower that
    /// crashed, and nothing would report its loss before the RPC timeout.
    /// </summary>
    public void BecomeReplicate()
    {
        State = ReplicationState.Replicate;
        Next = Match + 1;
        ProbeSent = false;
        PendingSnapshot = 0;
        _inflights.Clear();
    }

    /// <summary>
    /// A reply came from the follower's activation <paramref name="incarnation"/>. When it is newer than one heard from
    /// before, the follower restarted: whatever is in flight went to its previous life and will never be answered (it
    /// would only be reported lost after the RPC timeout), so probe again from Match at once. Replies of an older life
    /// arriving late change nothing. Returns whether the follower restarted.
    /// </summary>
    public bool ObserveIncarnation(long incarnation)
    {
        if (incarnation <= Incarnation)
        {
            return false;
        }
        var restarted = Incarnation != 0;
        Incarnation = incarnation;
        if (restarted)
        {
            BecomeProbe();
        }
        return restarted;
    }

    /// <summary>Probe state: the probe in flight will not be answered; the next one may go.</summary>
    public void OnProbeLost() => ProbeSent = false;

    public void BecomeSnapshot(long snapshotIndex)
    {
        State = ReplicationState.Snapshot;
        PendingSnapshot = snapshotIndex;
        ProbeSent = false;
        _inflights.Clear();
    }
}
