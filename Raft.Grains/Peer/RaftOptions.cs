namespace Raft.Grains;

/// <summary>
/// Settings of the Raft peers of a silo, bound from the configuration section "Raft". The defaults suit the
/// 6.5840 tests: at most 10 heartbeats per second and a new leader well within 5 s of losing one.
/// </summary>
public sealed class RaftOptions
{
    /// <summary>Group name → member peer ids. A peer "kv/1" is member "1" of group "kv".</summary>
    /// <remarks>Empty means the default single group "kv" of peers 0, 1 and 2 (see <see cref="EffectiveGroups"/>);
    /// a default is not put in the dictionary itself because configuration binding appends to lists.</remarks>
    public Dictionary<string, List<string>> Groups { get; set; } = new();

    /// <summary>The configured groups, or the default "kv" group of three peers when none is configured.</summary>
    public IReadOnlyDictionary<string, List<string>> EffectiveGroups =>
        Groups.Count > 0 ? Groups : new Dictionary<string, List<string>> { ["kv"] = ["0", "1", "2"] };

    /// <summary>
    /// How often a leader sends heartbeats. Also the lateness that marks a timer tick as coming after a stall of the
    /// peer's process, which is then not counted as the leader's silence (docs/raft-tests.md, "A stalled process").
    /// </summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Election timeouts are drawn uniformly from [min, max) each time the timer is reset.</summary>
    public TimeSpan ElectionTimeoutMin { get; set; } = TimeSpan.FromMilliseconds(300);

    public TimeSpan ElectionTimeoutMax { get; set; } = TimeSpan.FromMilliseconds(600);

    /// <summary>
    /// Ask for pre-votes before an election (Raft thesis §9.6): a peer stands only if a majority would vote for it and
    /// does not hear from a leader, so a follower that missed heartbeats (lost messages, a stalled process) does not
    /// depose a working leader. Costs one extra round trip per real election.
    /// </summary>
    public bool PreVote { get; set; } = true;

    /// <summary>
    /// A leader that heard no reply from a majority for <see cref="ElectionTimeoutMax"/> steps down (Raft thesis §6.2),
    /// so a leader cut off from the others stops accepting proposals that can never commit, and clients move on.
    /// </summary>
    public bool CheckQuorum { get; set; } = true;

    /// <summary>
    /// How long a peer waits for the reply to a RequestVote or AppendEntries before it counts the message as lost. Nothing
    /// waits behind a call (heartbeats go out on every tick, a follower's probe is retried on the next heartbeat's
    /// answer), so it only decides how long a late reply is still used: longer than a slow network's reply delay.
    /// </summary>
    public TimeSpan RpcTimeout { get; set; } = TimeSpan.FromSeconds(2.5);

    /// <summary>
    /// Timeout of one InstallSnapshot, which carries the whole snapshot and a storage write on the follower. Only that
    /// follower's appends wait on it (heartbeats go on); a lost one is sent again from the next heartbeat tick.
    /// </summary>
    public TimeSpan InstallSnapshotTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long a leader waits, after its commit index moved, before it tells followers with an empty AppendEntries.
    /// The next append carries the commit index too, so a busy leader never sends one, and a leader taking proposals one
    /// after another sends one per delay instead of one per entry. Below <see cref="HeartbeatInterval"/>, which would
    /// carry it anyway. Followers apply (and could serve) what is committed this much later; the leader's clients wait
    /// for nothing.
    /// </summary>
    public TimeSpan CommitNoticeDelay { get; set; } = TimeSpan.FromMilliseconds(10);

    /// <summary>The most entries and bytes one AppendEntries carries.</summary>
    public int MaxEntriesPerAppend { get; set; } = 512;

    public int MaxBytesPerAppend { get; set; } = 1 << 20;

    /// <summary>
    /// Flow control per follower once its log is known to match (Replicate state): at most this many appends, and
    /// this many bytes of entries, unanswered at a time. A follower being probed gets one append at a time.
    /// </summary>
    public int MaxInflightAppends { get; set; } = 32;

    public long MaxInflightBytes { get; set; } = 8 << 20;

    /// <summary>The core's flow-control limits from these settings.</summary>
    internal Protocol.ReplicationLimits ToReplicationLimits() =>
        new(MaxEntriesPerAppend, MaxBytesPerAppend, MaxInflightAppends, MaxInflightBytes);

    /// <summary>Entries per persisted log segment record; an append rewrites only the tail segment.</summary>
    public int EntriesPerSegment { get; set; } = 64;

    /// <summary>Seed for election timeouts; each peer mixes in its id so peers do not draw the same values.</summary>
    public int Seed { get; set; } = 42;

    /// <summary>Peer id ("kv/1") → the silo that hosts it, for one process per peer. Unlisted peers are placed by hash.</summary>
    public Dictionary<string, string> PeerSilos { get; set; } = new();

    /// <summary>The ids ("kv/1") of every configured peer.</summary>
    internal IEnumerable<string> PeerIds => EffectiveGroups.SelectMany(g => g.Value.Select(member => $"{g.Key}/{member}"));

    /// <summary>
    /// Every configured peer is pinned by <see cref="PeerSilos"/>: then the Raft grains use the pinned grain directory
    /// (<see cref="PeerGrainDirectory"/>) instead of Orleans' default one.
    /// </summary>
    internal bool PinsEveryPeer => PeerSilos.Count > 0 && PeerIds.All(PeerSilos.ContainsKey);

    /// <summary>Grain storage provider holding the peers' state.</summary>
    public string StorageName { get; set; } = "Default";
}
