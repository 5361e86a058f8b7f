using Raft.Grains;
using Raft.Grains.Interfaces;

namespace Raft.Simulation;

/// <summary>
/// One life of a simulated peer, from start to crash: its driver, the host port it gives the driver (timers on the
/// loop, calls through the <see cref="LabNetwork"/>, its disk), and the scheduler its turns run on.
/// </summary>
internal sealed class PeerLife : IPeerHost
{
    private readonly SimulatedRaftCluster cluster;
    private readonly CancellationTokenSource ended = new();
    private readonly List<SimulatedPeerTimer> timers = new();

    public PeerLife(SimulatedRaftCluster cluster, string peerId, int number, SimulatedDisk disk)
    {
        this.cluster = cluster;
        PeerId = peerId;
        Scheduler = new PeerScheduler(cluster.Loop, $"{peerId}#{number}");
        storage = new SimulatedPeerStorage(disk, Scheduler, cluster.Loop, cluster.Options.DiskWriteLatency);
        Peer = new RaftPeer(peerId, cluster.RaftOptions, this,
            cluster.Options.LoggerFactory.CreateLogger(typeof(RaftPeer).FullName!), cluster.Options.StateMachines);
        Service = cluster.Options.Service?.Invoke(peerId, Peer);
    }

    /// <summary>The service beside the peer (<see cref="SimulatedRaftOptions.Service"/>), or null.</summary>
    public object? Service { get; }

    public string PeerId { get; }

    public RaftPeer Peer { get; }

    public PeerScheduler Scheduler { get; }

    /// <summary>Cancelled when this life ends: calls being handled by it fail at once, as labrpc's do.</summary>
    public CancellationToken Ended => ended.Token;

    public bool IsOver => Scheduler.Stopped;

    /// <summary>The driver's activation (<see cref="RaftPeer.ActivateAsync"/>), started with the life.</summary>
    public Task Activation { get; private set; } = Task.CompletedTask;

    /// <summary>Starts the driver's activation as the life's first turn.</summary>
    public void Activate() => Activation = Scheduler.Run(Peer.ActivateAsync);

    /// <summary>
    /// Completes once the life is activated, or once it ended (a crash during activation): as in Orleans, nothing reaches
    /// a peer before its activation completed. Throws what the activation threw.
    /// </summary>
    public async Task WhenActivatedOrEndedAsync()
    {
        try
        {
            await Activation.WaitAsync(Ended);
        }
        catch (OperationCanceledException) when (IsOver)
        {
            // The life ended before its activation completed: its turns never run again.
        }
    }

    public TimeProvider Time => cluster.Loop;

    private readonly SimulatedPeerStorage storage;

    public IPeerStorage Storage => storage;

    /// <summary>
    /// Ends this life at once, as a process dies: nothing of it runs again, its timers stop, its calls fail, and of its
    /// writes still on their way a prefix drawn from <paramref name="powerLoss"/> lands (none are pending after a
    /// graceful stop). Returns how many writes landed and how many were lost.
    /// </summary>
    public (int Landed, int Lost) End(Random powerLoss)
    {
        if (Scheduler.Stopped)
        {
            return (0, 0);
        }
        Scheduler.Stop();
        var outcome = storage.PowerLoss(powerLoss);
        foreach (var timer in timers)
        {
            timer.Dispose();
        }
        ended.Cancel();
        return outcome;
    }

    public IPeerTimer RegisterTimer(Func<CancellationToken, Task> callback, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new SimulatedPeerTimer(cluster.Loop, Scheduler, callback, dueTime, period, cluster.TimerLogger);
        timers.Add(timer);
        return timer;
    }

    public Task<RequestVoteResponse> RequestVoteAsync(string peer, RequestVoteRequest request, TimeSpan timeout) =>
        cluster.CallPeerAsync(this, peer, request.PreVote ? "PreVote" : "RequestVote", request, target => target.RequestVote(request), timeout);

    public Task<AppendEntriesResponse> AppendEntriesAsync(string peer, AppendEntriesRequest request, TimeSpan timeout) =>
        cluster.CallPeerAsync(this, peer, "AppendEntries", request, target => target.AppendEntries(request), timeout);

    public Task<InstallSnapshotResponse> InstallSnapshotAsync(string peer, InstallSnapshotRequest request, TimeSpan timeout) =>
        cluster.CallPeerAsync(this, peer, "InstallSnapshot", request, target => target.InstallSnapshot(request), timeout);

    public bool IsTransportFailure(Exception exception) => exception is LostMessageException;

    public void RequestDeactivation() => cluster.Deactivate(this);
}
