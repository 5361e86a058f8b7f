using Microsoft.Extensions.Logging;
using Raft.Grains.Interfaces;
using Raft.Grains.Protocol;

namespace Raft.Grains;

/// <summary>
/// One Raft peer, "{group}/{peer}" (for example "kv/0"): the driver around the pure <see cref="RaftNode"/>, independent
/// of what hosts it (<see cref="IPeerHost"/>: a grain in production, a simulator in tests). It owns the I/O the core
/// leaves out: timers (election, heartbeat), calls to the other peers (appends under the core's per-follower flow
/// control, heartbeats on every tick), storage writes (group commit through <see cref="RaftPeerStore"/>), and delivery
/// of committed entries to the state machine (the applier). Every await releases the turn (the host's contract), so
/// code after an await re-checks role and term before acting.
/// Partial files: Rpc (incoming RPCs), Election (timers, votes, role changes), Replication (appends, heartbeats, replies),
/// Persistence (group commit), Applier (state machine delivery).
/// </summary>
public sealed partial class RaftPeer : IRaftPeerControl
{
    private readonly string _id;
    private readonly RaftOptions _options;
    private readonly IPeerHost _host;
    private readonly IRaftStateMachineFactory? _stateMachineFactory;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    /// <summary>Null where the host records no metrics (the simulator).</summary>
    private readonly PeerMetrics? _metrics;

    private RaftNode _node = null!;
    private RaftPeerStore _store = null!;
    private IRaftStateMachine _stateMachine = NoOpStateMachine.Instance;
    private TaskScheduler _scheduler = TaskScheduler.Default;

    /// <summary>Set when the activation deactivates or failed: background loops stop at their next check.</summary>
    private bool _stopped;

    /// <summary>A storage write failed: in-memory state is ahead of storage, so this activation must not answer anymore.</summary>
    private Exception? _failure;

    /// <param name="peerId">The peer's id in its group, "{group}/{member}"; the group's members come from <paramref name="options"/>.</param>
    /// <param name="logger">Where the peer logs (its events carry the peer id, term and indexes as structured fields).</param>
    /// <param name="metrics">Where the peer records the "RaftOrleans" metrics; null records none.</param>
    public RaftPeer(
        string peerId, RaftOptions options, IPeerHost host, ILogger logger, IRaftStateMachineFactory? stateMachineFactory = null, PeerMetrics? metrics = null)
    {
        _metrics = metrics;
        _id = peerId;
        _options = options;
        _host = host;
        _logger = logger;
        _time = host.Time;
        _stateMachineFactory = stateMachineFactory;
    }

    /// <summary>The peer's id, e.g. "kv/1" (also its grain key and its id inside the Raft group).</summary>
    public string PeerId => _id;

    /// <summary>Bytes of persisted Raft state (hard state, manifest and log segments; not the snapshot).</summary>
    public long PersistedSize => _store.PersistedSize;

    /// <summary>True once a storage failure stopped this peer: the host should drop it.</summary>
    public bool Failed => _failure is not null;

    /// <summary>
    /// Loads the peer's state, repairs and fences its storage, then starts its timers and applier. Call it on the
    /// host's scheduler, before anything else: the driver keeps that scheduler for its turns.
    /// </summary>
    public async Task ActivateAsync()
    {
        _scheduler = TaskScheduler.Current;
        ValidateOptions(_options);
        var members = ResolveMembers(_id, _options);
        _store = new RaftPeerStore(_id, _host.Storage, _options.EntriesPerSegment);
        var loaded = false;
        try
        {
            // The activation's start time names this life of the peer: later activations (on any silo with a sane clock)
            // get larger ones, and in simulation it is virtual time, so runs stay reproducible. Only an optimization rests
            // on it (a leader resends at once what was in flight to the previous life), never safety.
            _node = RaftNode.Restore(_id, members, await _store.LoadAsync(), _options.ToReplicationLimits(), incarnation: _time.GetUtcNow().UtcTicks);
            loaded = true;
            await _store.RepairAndFenceAsync();
        }
        catch (RecordConflictException conflict)
        {
            // A write of a crashed earlier activation landed after this one read the record (RepairAndFenceAsync names
            // it): what was read is stale. As for any ETag conflict, stop and deactivate; the next activation reads again.
            FailStorage(conflict);
            return;
        }
        catch (Exception exception) when (!loaded)
        {
            _logger.LogError(exception, "Raft peer {Peer} cannot start: its persisted state in storage {Storage} could not be loaded",
                _id, _host.Storage.Name);
            throw;
        }
        catch (Exception exception)
        {
            _logger.LogError(exception,
                "Raft peer {Peer} cannot start: its state was loaded, but a write of its activation to storage {Storage} failed " +
                "(the repair of an interrupted flush, or the fence against late writes of an earlier activation)",
                _id, _host.Storage.Name);
            throw;
        }
        _random = new Random(MixSeed(_options.Seed, _id));
        _stateMachine = _stateMachineFactory?.Create(_id) ?? NoOpStateMachine.Instance;
        _seenRole = _node.Role;
        _seenTerm = _node.CurrentTerm;
        _seenLeader = _node.LeaderId;
        _countedCommit = _node.CommitIndex;

        var timeout = NextElectionTimeout();
        _electionTimerArmedAt = _time.GetTimestamp();
        _electionTimeout = timeout;
        _electionTimer = _host.RegisterTimer(OnElectionTimerAsync, timeout, timeout);
        _applier = RunApplierAsync();

        _logger.LogInformation(
            "Raft peer {Peer} activated in term {Term}: log {FirstIndex}..{LastIndex}, snapshot through {SnapshotIndex}, {PersistedBytes} bytes of Raft state",
            _id, _node.CurrentTerm, _node.Log.FirstIndex, _node.Log.LastIndex, _node.SnapshotIndex, _store.PersistedSize);
    }

    /// <summary>The host drops this peer: stop the timers and the applier, and let the writes in flight finish.</summary>
    public async Task DeactivateAsync(string reason)
    {
        _stopped = true;
        StopLeaderTimers();
        _applySignal.Set();
        try
        {
            // Let the writes queued or in flight finish, so the next activation reads what this one acknowledged.
            await _flusher;
        }
        catch (Exception exception)
        {
            _logger.LogDebug(exception, "Raft peer {Peer}: the last write before deactivation failed", _id);
        }
        if (_node is not null)
        {
            _logger.LogInformation("Raft peer {Peer} deactivated in term {Term} as {Role}: {Reason}", _id, _node.CurrentTerm, _node.Role, reason);
        }
    }

    public Task Wake()
    {
        ThrowIfUnavailable();
        return Task.CompletedTask;
    }

    public Task<RaftState> GetState()
    {
        ThrowIfUnavailable();
        return Task.FromResult(new RaftState(_node.CurrentTerm, _node.IsLeader));
    }

    public Task<RaftStatus> GetStatus()
    {
        ThrowIfUnavailable();
        var status = _node.ToStatus(_lastApplied);
        return Task.FromResult(_followers is null || !_node.IsLeader ? status : status with { Followers = FollowerStatuses() });
    }

    public Task<long> GetPersistedSize()
    {
        ThrowIfUnavailable();
        return Task.FromResult(_store.PersistedSize);
    }

    /// <summary>
    /// 6.5840 Start: a leader appends the command, sends it to the followers while writing it itself (thesis §10.2.1:
    /// it counts its own copy only once durable), and returns once its own copy is durable.
    /// </summary>
    public async Task<StartResult> Start(byte[] command)
    {
        ArgumentNullException.ThrowIfNull(command);
        ThrowIfUnavailable();
        var result = _node.Propose(command);
        if (!result.IsLeader)
        {
            return result;
        }
        _metrics?.Proposed(1);
        _logger.LogTrace("Raft peer {Peer} appended index {Index} in term {Term}", _id, result.Index, result.Term);
        BroadcastAppend();
        await PersistAsync();
        return result;
    }

    public Task<StartResult> Propose(byte[][] commands)
    {
        ArgumentNullException.ThrowIfNull(commands);
        ThrowIfUnavailable();
        if (commands.Length == 0)
        {
            throw new ArgumentException("Propose needs at least one command.", nameof(commands));
        }
        StartResult? first = null;
        foreach (var command in commands)
        {
            ArgumentNullException.ThrowIfNull(command, nameof(commands));
            var result = _node.Propose(command);
            if (!result.IsLeader)
            {
                return Task.FromResult(result); // only the first can be refused: nothing awaits in between
            }
            first ??= result;
        }
        _metrics?.Proposed(commands.Length);
        _logger.LogTrace("Raft peer {Peer} appended {Count} entries from index {Index} in term {Term}", _id, commands.Length, first!.Index, first.Term);
        BroadcastAppend();
        PersistInBackground();
        return Task.FromResult(first);
    }

    /// <summary>
    /// The service's snapshot covers everything through <paramref name="index"/>: compact the log, write the snapshot
    /// record, then trim the log segments. Safe to call from inside <see cref="IRaftStateMachine.ApplyAsync"/>: the core
    /// is called directly, not through a grain call, so the applier waiting on the state machine cannot deadlock it.
    /// </summary>
    public Task SnapshotAsync(long index, byte[] snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        if (TaskScheduler.Current != _scheduler)
        {
            // Called from outside this activation's turns (a state machine that left the grain's context): hop back on.
            return Task.Factory.StartNew(() => CompactAsync(index, snapshot), CancellationToken.None, TaskCreationOptions.DenyChildAttach, _scheduler).Unwrap();
        }
        return CompactAsync(index, snapshot);
    }

    private async Task CompactAsync(long index, byte[] snapshot)
    {
        ThrowIfUnavailable();
        switch (_node.CompactTo(index, snapshot))
        {
            case CompactionResult.BeyondCommitIndex:
                throw new ArgumentException(
                    $"Raft peer '{_id}' cannot snapshot at index {index}: only committed entries can be compacted, and the commit index is {_node.CommitIndex}.",
                    nameof(index));
            case CompactionResult.AlreadyCompacted:
                _logger.LogDebug("Raft peer {Peer}: snapshot at {Index} ignored, the log is compacted through {SnapshotIndex}", _id, index, _node.SnapshotIndex);
                return;
        }
        _logger.LogDebug("Raft peer {Peer} compacted its log through index {Index} ({Bytes} snapshot bytes)", _id, index, snapshot.Length);
        await PersistAsync();
    }

    private void ThrowIfUnavailable()
    {
        if (_failure is not null)
        {
            throw new InvalidOperationException($"Raft peer '{_id}' stopped after a storage failure: {_failure.Message}", _failure);
        }
    }

    /// <summary>The group's members as peer ids "{group}/{member}", from RaftOptions.Groups.</summary>
    internal static IReadOnlyList<string> ResolveMembers(string peerId, RaftOptions options)
    {
        var slash = peerId.LastIndexOf('/');
        if (slash <= 0 || slash == peerId.Length - 1)
        {
            throw new InvalidOperationException($"Raft peer key '{peerId}' is not of the form '{{group}}/{{peer}}', e.g. 'kv/0'.");
        }
        var group = peerId[..slash];
        var member = peerId[(slash + 1)..];
        if (!options.EffectiveGroups.TryGetValue(group, out var members))
        {
            var known = string.Join(", ", options.EffectiveGroups.Keys.Select(g => $"'{g}'"));
            throw new PeerNotConfiguredException(
                $"Raft peer '{peerId}' cannot start: group '{group}' is not configured in RaftOptions.Groups (configured groups: {known}).");
        }
        if (!members.Contains(member, StringComparer.Ordinal))
        {
            throw new PeerNotConfiguredException(
                $"Raft peer '{peerId}' cannot start: '{member}' is not a member of group '{group}' (members: {string.Join(", ", members)}).");
        }
        return members.Select(m => $"{group}/{m}").ToArray();
    }

    private static void ValidateOptions(RaftOptions options)
    {
        if (options.HeartbeatInterval <= TimeSpan.Zero || options.RpcTimeout <= TimeSpan.Zero || options.InstallSnapshotTimeout <= TimeSpan.Zero)
        {
            throw new InvalidOperationException("RaftOptions.HeartbeatInterval, RpcTimeout and InstallSnapshotTimeout must be positive.");
        }
        if (options.ElectionTimeoutMin <= options.HeartbeatInterval || options.ElectionTimeoutMax < options.ElectionTimeoutMin)
        {
            throw new InvalidOperationException(
                $"RaftOptions: need HeartbeatInterval ({options.HeartbeatInterval}) < ElectionTimeoutMin ({options.ElectionTimeoutMin}) <= ElectionTimeoutMax ({options.ElectionTimeoutMax}).");
        }
        if (options.CommitNoticeDelay < TimeSpan.Zero || options.CommitNoticeDelay >= options.HeartbeatInterval)
        {
            throw new InvalidOperationException(
                $"RaftOptions: need 0 <= CommitNoticeDelay ({options.CommitNoticeDelay}) < HeartbeatInterval ({options.HeartbeatInterval}).");
        }
        if (options.EntriesPerSegment < 1 || options.MaxEntriesPerAppend < 1 || options.MaxBytesPerAppend < 1
            || options.MaxInflightAppends < 1 || options.MaxInflightBytes < 1)
        {
            throw new InvalidOperationException(
                "RaftOptions.EntriesPerSegment, MaxEntriesPerAppend, MaxBytesPerAppend, MaxInflightAppends and MaxInflightBytes must be at least 1.");
        }
    }

    /// <summary>The seed of this peer's election timeouts: the configured seed mixed with a stable hash of the peer id.</summary>
    internal static int MixSeed(int seed, string peerId)
    {
        // FNV-1a: string.GetHashCode is randomized per process, which would make timeouts differ from run to run.
        var hash = 2166136261u;
        foreach (var c in peerId)
        {
            hash = (hash ^ c) * 16777619u;
        }
        return unchecked((int)(hash ^ ((uint)seed * 0x9E3779B9u)));
    }
}
