using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Raft.Grains.Interfaces;
using Raft.Runtime;
using Raft.Runtime.Concurrency;
using Raft.Runtime.Storage;

namespace Raft.Grains;

/// <summary>
/// The grain that hosts one <see cref="RaftPeer"/>, keyed "{group}/{peer}" (for example "kv/0"): grain calls are its
/// RPCs, grain timers its timers, grain storage its records. It is reentrant so that two peers calling each other
/// never deadlock; the driver re-checks role and term after every await (IPeerHost's contract).
/// </summary>
[Reentrant]
public sealed class RaftPeerGrain : Grain, IRaftPeerGrain, IPeerHost
{
    private readonly RaftOptions _options;
    private readonly IPersistentStateFactory _stateFactory;
    private readonly IGrainStorageSerializer _serializer;
    private readonly IRaftStateMachineFactory? _stateMachineFactory;
    private readonly ILogger _logger;
    private readonly Dictionary<string, IRaftPeerGrain> _peerGrains = new(StringComparer.Ordinal);
    private RaftPeer _peer = null!;

    public RaftPeerGrain(
        IOptions<RaftOptions> options,
        IPersistentStateFactory stateFactory,
        ILoggerFactory loggerFactory,
        IGrainStorageSerializer? serializer = null,
        IRaftStateMachineFactory? stateMachineFactory = null)
    {
        _options = options.Value;
        _stateFactory = stateFactory;
        _logger = loggerFactory.CreateLogger<RaftPeer>();
        _serializer = serializer ?? new WireGrainStorageSerializer();
        _stateMachineFactory = stateMachineFactory;
    }

    public TimeProvider Time { get; private set; } = TimeProvider.System;

    public IPeerStorage Storage { get; private set; } = null!;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        Time = ServiceProvider.GetService(typeof(TimeProvider)) as TimeProvider ?? TimeProvider.System;
        Storage = new GrainPeerStorage(_stateFactory, GrainContext, _options.StorageName, _serializer);
        _peer = new RaftPeer(this.GetPrimaryKeyString(), _options, this, _logger, _stateMachineFactory);
        return _peer.ActivateAsync();
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) =>
        _peer.DeactivateAsync(reason.ToString());

    public Task<RequestVoteResponse> RequestVote(RequestVoteRequest request) => _peer.RequestVote(request);

    public Task<AppendEntriesResponse> AppendEntries(AppendEntriesRequest request) => _peer.AppendEntries(request);

    public Task<InstallSnapshotResponse> InstallSnapshot(InstallSnapshotRequest request) => _peer.InstallSnapshot(request);

    public Task<StartResult> Start(byte[] command) => _peer.Start(command);

    public Task<StartResult> Propose(byte[][] commands) => _peer.Propose(commands);

    public Task<RaftState> GetState() => _peer.GetState();

    public Task Snapshot(long index, byte[] snapshot) => _peer.SnapshotAsync(index, snapshot);

    public Task<RaftStatus> GetStatus() => _peer.GetStatus();

    public Task<long> GetPersistedSize() => _peer.GetPersistedSize();

    public Task Wake() => _peer.Wake();

    public IPeerTimer RegisterTimer(Func<CancellationToken, Task> callback, TimeSpan dueTime, TimeSpan period) =>
        new GrainPeerTimer(RegisterGrainTimer(callback, new GrainTimerCreationOptions(dueTime, period) { Interleave = true, KeepAlive = true }));

    public Task<RequestVoteResponse> RequestVoteAsync(string peer, RequestVoteRequest request, TimeSpan timeout)
    {
        using (GrainCallOptions.WithTimeout(timeout))
        {
            return PeerGrain(peer).RequestVote(request);
        }
    }

    public Task<AppendEntriesResponse> AppendEntriesAsync(string peer, AppendEntriesRequest request, TimeSpan timeout)
    {
        using (GrainCallOptions.WithTimeout(timeout))
        {
            return PeerGrain(peer).AppendEntries(request);
        }
    }

    public Task<InstallSnapshotResponse> InstallSnapshotAsync(string peer, InstallSnapshotRequest request, TimeSpan timeout)
    {
        using (GrainCallOptions.WithTimeout(timeout))
        {
            return PeerGrain(peer).InstallSnapshot(request);
        }
    }

    public bool IsTransportFailure(Exception exception) => exception is GrainCallException;

    public void RequestDeactivation() => DeactivateOnIdle();

    private IRaftPeerGrain PeerGrain(string peer)
    {
        if (!_peerGrains.TryGetValue(peer, out var grain))
        {
            grain = GrainFactory.GetGrain<IRaftPeerGrain>(peer);
            _peerGrains[peer] = grain;
        }
        return grain;
    }

    private sealed class GrainPeerTimer(IGrainTimer timer) : IPeerTimer
    {
        public void Change(TimeSpan dueTime, TimeSpan period) => timer.Change(dueTime, period);

        public void Dispose() => timer.Dispose();
    }
}
