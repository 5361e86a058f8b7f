using Raft.Grains.Interfaces;

namespace Raft.Grains;

/// <summary>
/// What a <see cref="RaftPeer"/> needs from whatever hosts it: the other peers, timers, storage and a clock. In
/// production the host is <see cref="RaftPeerGrain"/> (grain calls, grain timers, grain storage); in tests it can be a
/// simulator that runs every peer on one thread in virtual time.
/// </summary>
/// <remarks>
/// The execution contract, the same in every host:
/// <list type="bullet">
/// <item>One turn at a time. The host calls the driver (RPCs, proposals, timer callbacks, continuations of the
/// driver's own awaits) on one logical thread: the turns of one peer never run in parallel. Captured at
/// <see cref="RaftPeer.ActivateAsync"/> as <see cref="TaskScheduler.Current"/>, the host's scheduler must bring every
/// continuation back to that thread.</item>
/// <item>Turns interleave only at awaits. Anything may have happened during an await (a new term, a lost leadership,
/// a storage failure, deactivation): code after an await re-checks role and term before it uses what it computed
/// before it.</item>
/// <item>A lost message is an exception. An RPC whose reply does not arrive within its timeout, or whose target
/// cannot be reached, completes with an exception (never hangs, never returns a made-up reply), and never in the turn
/// that sent it (the driver may answer a loss by sending again); the driver counts it lost and retries. <see cref="IsTransportFailure"/> tells a lost message from a failure of the
/// remote peer, for the log.</item>
/// <item>Storage errors stop the peer. A failed durable write leaves the driver's memory ahead of storage: it stops
/// answering (every later call throws) and asks the host to drop it (<see cref="RequestDeactivation"/>); a new
/// driver starts from what storage holds.</item>
/// </list>
/// </remarks>
public interface IPeerHost
{
    /// <summary>The clock for timeouts and timestamps (virtual in simulation).</summary>
    TimeProvider Time { get; }

    /// <summary>The records this peer persists (hard state, manifest, snapshot, log segments).</summary>
    IPeerStorage Storage { get; }

    /// <summary>
    /// A timer whose ticks run as turns of this peer, interleaving with its calls, and keep it alive. The next tick is
    /// armed <paramref name="period"/> after a callback completes, so ticks never overlap; infinite times disarm it.
    /// </summary>
    IPeerTimer RegisterTimer(Func<CancellationToken, Task> callback, TimeSpan dueTime, TimeSpan period);

    Task<RequestVoteResponse> RequestVoteAsync(string peer, RequestVoteRequest request, TimeSpan timeout);

    Task<AppendEntriesResponse> AppendEntriesAsync(string peer, AppendEntriesRequest request, TimeSpan timeout);

    Task<InstallSnapshotResponse> InstallSnapshotAsync(string peer, InstallSnapshotRequest request, TimeSpan timeout);

    /// <summary>True when an RPC failed because the message or its reply was lost (timeout, unreachable target).</summary>
    bool IsTransportFailure(Exception exception);

    /// <summary>The driver stopped after a storage failure: drop it once idle; the next call starts a new one from storage.</summary>
    void RequestDeactivation();
}

/// <summary>A timer of the host (<see cref="IPeerHost.RegisterTimer"/>).</summary>
public interface IPeerTimer : IDisposable
{
    /// <summary>Re-arms the timer; <see cref="Timeout.InfiniteTimeSpan"/> as due time disarms it.</summary>
    void Change(TimeSpan dueTime, TimeSpan period);
}
