using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Serialization;
using Orleans.Storage;
using Raft.Grains.Interfaces;

namespace Raft.Grains;

/// <summary>
/// The grain that hosts one <see cref="RaftPeer"/>, keyed "{group}/{peer}" (for example "kv/0"): grain calls are its
/// RPCs, grain timers its timers, grain storage its records. It is reentrant so that two peers calling each other
/// never deadlock; the driver re-checks role and term after every await (IPeerHost's contract). Kept alive while its
/// silo runs (a group's peers must keep their timers going whether or not clients call).
/// </summary>
[Reentrant, KeepAlive, GrainType("raftpeer"), PeerPlacement]
public sealed class RaftPeerGrain : Grain, IRaftPeerGrain, IPeerHost
{
    private readonly RaftOptions _options;
    private readonly IRaftStateMachineFactory? _stateMachineFactory;
    private readonly ILogger _logger;
    private readonly Dictionary<string, IRaftPeerGrain> _peerGrains = new(StringComparer.Ordinal);
    private RaftPeer _peer = null!;

    public RaftPeerGrain(IOptions<RaftOptions> options, ILoggerFactory loggerFactory, IRaftStateMachineFactory? stateMachineFactory = null)
    {
        _options = options.Value;
        _logger = loggerFactory.CreateLogger<RaftPeer>();
        _stateMachineFactory = stateMachineFactory;
    }

    public TimeProvider Time { get; private set; } = TimeProvider.System;

    public IPeerStorage Storage { get; private set; } = null!;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        Time = ServiceProvider.GetService<TimeProvider>() ?? TimeProvider.System;
        var storage = ServiceProvider.GetKeyedService<IGrainStorage>(_options.StorageName)
            ?? throw new InvalidOperationException($"No grain storage provider named '{_options.StorageName}' is registered (RaftOptions.StorageName).");
        var traits = ServiceProvider.GetKeyedService<PeerStorageTraits>(_options.StorageName)
            ?? throw new InvalidOperationException(RaftStorageCheck.NoTraits(_options.StorageName));
        Storage = new GrainPeerStorage(storage, this.GetGrainId(), _options.StorageName, traits, ServiceProvider.GetRequiredService<Serializer>());
        var peerId = this.GetPrimaryKeyString();
        _peer = new RaftPeer(peerId, _options, this, _logger, _stateMachineFactory, ServiceProvider.GetService<RaftMetrics>()?.ForPeer(peerId));
        return _peer.ActivateAsync();
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) =>
        _peer.DeactivateAsync(reason.ToString());

    public Task<RequestVoteResponse> RequestVote(RequestVoteRequest request, CancellationToken cancellationToken) => _peer.RequestVote(request);

    public Task<AppendEntriesResponse> AppendEntries(AppendEntriesRequest request, CancellationToken cancellationToken) => _peer.AppendEntries(request);

    public Task<InstallSnapshotResponse> InstallSnapshot(InstallSnapshotRequest request, CancellationToken cancellationToken) =>
        _peer.InstallSnapshot(request);

    public Task<StartResult> Start(byte[] command) => _peer.Start(command);

    public Task<StartResult> Propose(byte[][] commands) => _peer.Propose(commands);

    public Task<RaftState> GetState() => _peer.GetState();

    public Task Snapshot(long index, byte[] snapshot) => _peer.SnapshotAsync(index, snapshot);

    public Task<RaftStatus> GetStatus() => _peer.GetStatus();

    public Task<long> GetPersistedSize() => _peer.GetPersistedSize();

    public Task Wake() => _peer.Wake();

    public IPeerTimer RegisterTimer(Func<CancellationToken, Task> callback, TimeSpan dueTime, TimeSpan period) =>
        new GrainPeerTimer(this.RegisterGrainTimer(callback, new GrainTimerCreationOptions(dueTime, period) { Interleave = true, KeepAlive = true }));

    public Task<RequestVoteResponse> RequestVoteAsync(string peer, RequestVoteRequest request, TimeSpan timeout) =>
        WithTimeout(timeout, token => PeerGrain(peer).RequestVote(request, token));

    public Task<AppendEntriesResponse> AppendEntriesAsync(string peer, AppendEntriesRequest request, TimeSpan timeout) =>
        WithTimeout(timeout, token => PeerGrain(peer).AppendEntries(request, token));

    public Task<InstallSnapshotResponse> InstallSnapshotAsync(string peer, InstallSnapshotRequest request, TimeSpan timeout) =>
        WithTimeout(timeout, token => PeerGrain(peer).InstallSnapshot(request, token));

    /// <summary>
    /// Cancellation, timeouts and unreachable silos are lost messages; anything else is the remote peer failing. Orleans
    /// reports a silo it cannot reach as SiloUnavailableException (or, when the connection cannot be opened,
    /// ConnectionFailedException), and a refused or undeliverable message as an OrleansMessageRejectionException.
    /// </summary>
    public bool IsTransportFailure(Exception exception) =>
        exception is OperationCanceledException or TimeoutException or SiloUnavailableException or OrleansMessageRejectionException
            or Orleans.Runtime.Messaging.ConnectionFailedException;

    public void RequestDeactivation() => DeactivateOnIdle();

    // The timeout travels as a cancellation token: the call is cancelled (locally and at the callee) when it runs out,
    // where Orleans' own response timeout is checked only about once a second. A call that fails at once (a filter, a
    // placement refusal) still completes in a later turn, as IPeerHost promises: the driver answers a lost message by
    // sending again, which in the same turn would loop without ever yielding the activation.
    private async Task<T> WithTimeout<T>(TimeSpan timeout, Func<CancellationToken, Task<T>> send)
    {
        using var cancellation = new CancellationTokenSource(timeout, Time);
        Task<T> call;
        try
        {
            call = send(cancellation.Token);
        }
        catch (Exception exception)
        {
            call = Task.FromException<T>(exception);
        }
        if (call.IsCompleted)
        {
            await Task.Yield();
        }
        // The token asks Orleans to cancel; the wait makes sure the driver hears of the loss on time even when a message
        // is stuck where cancellation does not reach it (a silo that died with the request): a full window of appends
        // that never complete would stall the follower for good.
        try
        {
            return await call.WaitAsync(timeout, Time);
        }
        catch (TimeoutException) when (!call.IsCompleted)
        {
            _ = call.ContinueWith(static t => t.Exception, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously);
            throw;
        }
    }

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
