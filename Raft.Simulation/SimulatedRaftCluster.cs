using Microsoft.Extensions.Logging;
using Raft.Grains;
using Raft.Grains.Interfaces;

namespace Raft.Simulation;

/// <summary>
/// A Raft group run by the production driver (<see cref="RaftPeer"/>) without any grain runtime: every peer lives on
/// one <see cref="SimulationLoop"/> in virtual time, talks to the others through a <see cref="LabNetwork"/>, and keeps
/// its records on a <see cref="SimulatedDisk"/> that survives its crashes. Create, use and drop it inside
/// <see cref="SimulationLoop.Run{T}"/>: a run is then a function of its seeds (network, election timeouts, scenario).
/// </summary>
public sealed class SimulatedRaftCluster
{
    private readonly Dictionary<string, SimulatedDisk> disks = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PeerLife?> lives = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> lifeNumbers = new(StringComparer.Ordinal);
    private readonly Random powerLoss;
    private readonly ILogger logger;
    private readonly Dictionary<string, TimeSpan> crashAfterReply = new(StringComparer.Ordinal);

    public SimulatedRaftCluster(SimulationLoop loop, SimulatedRaftOptions options)
    {
        Loop = loop;
        Options = options;
        PeerIds = options.Members.Select(member => $"{options.Group}/{member}").ToArray();
        RaftOptions = options.Raft;
        RaftOptions.Groups = new Dictionary<string, List<string>> { [options.Group] = options.Members.ToList() };
        Network = new LabNetwork(options.Network, loop) { Trace = loop.Record };
        powerLoss = new Random(options.DiskSeed);
        logger = options.LoggerFactory.CreateLogger<SimulatedRaftCluster>();
        TimerLogger = options.LoggerFactory.CreateLogger<SimulatedPeerTimer>();
        foreach (var peer in PeerIds)
        {
            disks[peer] = new SimulatedDisk();
            lives[peer] = null;
        }
    }

    public SimulationLoop Loop { get; }

    public SimulatedRaftOptions Options { get; }

    internal RaftOptions RaftOptions { get; }

    /// <summary>Where the peers' timers log a failed tick (an error, as the grain runtime logs it).</summary>
    internal ILogger TimerLogger { get; }

    public LabNetwork Network { get; }

    /// <summary>"{group}/{member}" for every member, in the order of <see cref="SimulatedRaftOptions.Members"/>.</summary>
    public IReadOnlyList<string> PeerIds { get; }

    /// <summary>The host of a peer in <see cref="Network"/>: connect, disconnect and partition hosts.</summary>
    public string HostOf(string peerId) => Options.HostOf(peerId);

    /// <summary>What the peer has stored.</summary>
    public SimulatedDisk Disk(string peerId) => disks[Known(peerId)];

    /// <summary>How many lives the peer has had (started, restarted, or started again after a storage failure).</summary>
    public int LifeCount(string peerId) => lifeNumbers.GetValueOrDefault(Known(peerId));

    /// <summary>True while the peer runs (started and neither crashed nor stopped by a storage failure).</summary>
    public bool IsRunning(string peerId) => lives[Known(peerId)] is { IsOver: false };

    /// <summary>Starts a new life of the peer from what its disk holds; completes once it is activated (or, crashed meanwhile, ended).</summary>
    public Task StartAsync(string peerId)
    {
        if (IsRunning(peerId))
        {
            throw new InvalidOperationException($"Peer {peerId} is running already; crash it first.");
        }
        var number = lifeNumbers[peerId] = lifeNumbers.GetValueOrDefault(peerId) + 1;
        var life = new PeerLife(this, peerId, number, disks[peerId]);
        lives[peerId] = life;
        Loop.Record($"start {life.Scheduler}");
        life.Activate();
        RunInBackground(() => EndIfActivationFailsAsync(life), $"watching the activation of {life.Scheduler}");
        return life.WhenActivatedOrEndedAsync();
    }

    /// <summary>Kills the peer's current life at once: nothing of it runs again; its disk keeps what it wrote.</summary>
    public void Crash(string peerId)
    {
        if (lives[Known(peerId)] is not { IsOver: false } life)
        {
            return;
        }
        var (landed, lost) = life.End(powerLoss);
        Loop.Record($"crash {life.Scheduler}: {landed} writes on their way landed, {lost} lost");
        Network.NewIncarnation(peerId);
    }

    /// <summary>
    /// Stalls the peer's current life for <paramref name="duration"/> of virtual time, as a GC pause or a starved or
    /// frozen process would: it runs nothing meanwhile, and what came up for it (ticks, calls, replies) runs afterwards,
    /// in order. Stalling every peer at once is a whole silo or machine that stopped.
    /// </summary>
    public void Stall(string peerId, TimeSpan duration)
    {
        if (lives[Known(peerId)] is not { IsOver: false } life)
        {
            return;
        }
        life.Scheduler.Stall();
        Loop.Record($"stall {life.Scheduler} for {duration.TotalMilliseconds} ms");
        ITimer? resume = null;
        resume = Loop.CreateTimer(_ =>
        {
            resume!.Dispose();
            life.Scheduler.Resume();
        }, null, duration, Timeout.InfiniteTimeSpan);
    }

    /// <summary>
    /// Stops the peer gracefully, as a silo shutting down deactivates it: its writes in flight finish, then its life
    /// ends. Start it again with <see cref="StartAsync"/>.
    /// </summary>
    public async Task StopAsync(string peerId)
    {
        if (lives[Known(peerId)] is not { IsOver: false } life)
        {
            return;
        }
        if (!await DeactivateAsync(life, "stopped"))
        {
            return; // crashed while stopping
        }
        Loop.Record($"stop {life.Scheduler}");
        life.End(powerLoss);
        Network.NewIncarnation(peerId);
    }

    /// <summary>
    /// Arms a crash of <paramref name="peerId"/> right after its next vote grant or successful AppendEntries reached the
    /// peer that asked: the peer crashes (a power loss) the moment its reply is used, and starts again after
    /// <paramref name="restartAfter"/> unless it runs by then. What the reply promised must survive.
    /// </summary>
    public void CrashAfterNextReply(string peerId, TimeSpan restartAfter) => crashAfterReply[Known(peerId)] = restartAfter;

    /// <summary>Takes back a <see cref="CrashAfterNextReply"/> that has not fired yet.</summary>
    public void CancelCrashAfterReply(string peerId) => crashAfterReply.Remove(Known(peerId));

    /// <summary>Runs <paramref name="call"/> on the running peer, as one of its turns (the test's direct access, not through the network).</summary>
    public Task<T> CallAsync<T>(string peerId, Func<RaftPeer, Task<T>> call)
    {
        var life = lives[Known(peerId)] is { IsOver: false } running
            ? running
            : throw new InvalidOperationException($"Peer {peerId} is not running.");
        return CallWhenActivatedAsync(life, call);
    }

    private static async Task<T> CallWhenActivatedAsync<T>(PeerLife life, Func<RaftPeer, Task<T>> call)
    {
        await life.WhenActivatedOrEndedAsync();
        if (life.IsOver)
        {
            throw new InvalidOperationException($"Peer {life.PeerId} crashed before it was activated.");
        }
        // A crash while the call runs fails it, as a call to a process that died does.
        return await life.Scheduler.Run(() => call(life.Peer)).WaitAsync(life.Ended);
    }

    /// <summary>An RPC from one peer's life to another peer, through the network, failing after <paramref name="timeout"/>.</summary>
    internal async Task<TResponse> CallPeerAsync<TRequest, TResponse>(
        PeerLife caller, string target, string method, TRequest request, Func<RaftPeer, Task<TResponse>> handle, TimeSpan timeout)
        where TRequest : notnull
    {
        var response = await CallAsync(caller.PeerId, HostOf(caller.PeerId), target, method, request, life => handle(life.Peer), timeout);
        if (crashAfterReply.TryGetValue(target, out var restartAfter) && IsPromise(request, response))
        {
            crashAfterReply.Remove(target);
            Crash(target);
            RunInBackground(() => RestartLaterAsync(target, restartAfter), $"restarting {target} after its crash");
        }
        return response;
    }

    /// <summary>A reply that promises durable state: a vote granted (not a pre-vote), or entries appended.</summary>
    private static bool IsPromise(object request, object? response) => (request, response) switch
    {
        (RequestVoteRequest { PreVote: false }, RequestVoteResponse { VoteGranted: true }) => true,
        (AppendEntriesRequest { Entries.Length: > 0 }, AppendEntriesResponse { Success: true }) => true,
        _ => false,
    };

    private async Task RestartLaterAsync(string peerId, TimeSpan delay)
    {
        await Task.Delay(delay, Loop);
        if (!IsRunning(peerId))
        {
            await StartAsync(peerId);
        }
    }

    /// <summary>A call from <paramref name="source"/> to whatever runs in the target peer's current life, as one of its turns.</summary>
    private async Task<TResponse> CallAsync<TResponse>(
        string source, string sourceHost, string target, string method, object request, Func<PeerLife, Task<TResponse>> handle, TimeSpan timeout)
    {
        // A message never arrives, nor fails, in the turn that sent it: a caller that reacts to a loss by sending again
        // (a leader probing a follower that is down) would otherwise loop without ever returning to the loop.
        await Task.Yield();
        TResponse response = default!;
        var call = Network.CallAsync(source, sourceHost, target, HostOf(target), method, MessageSize.Of(request),
            async () =>
            {
                if (lives.GetValueOrDefault(target) is not { IsOver: false } callee)
                {
                    throw new LostMessageException($"{source} -> {target}: {target} is not running.");
                }
                try
                {
                    await callee.WhenActivatedOrEndedAsync();
                    response = await callee.Scheduler.Run(() => handle(callee)).WaitAsync(callee.Ended);
                }
                catch (OperationCanceledException) when (callee.IsOver)
                {
                    throw new LostMessageException($"{source} -> {target}: {target} crashed while handling {method}.");
                }
            },
            () => MessageSize.Of(response));
        await call.WaitAsync(timeout, Loop);
        return response;
    }

    /// <summary>
    /// A client's call to the service beside peer <paramref name="peerId"/>, through the network from the client's own
    /// host ("client/{name}"), failing after <paramref name="timeout"/>; a lost message throws <see cref="LostMessageException"/>.
    /// </summary>
    public Task<TResponse> CallServiceAsync<TService, TResponse>(
        string client, string peerId, string method, object request, Func<TService, Task<TResponse>> handle, TimeSpan timeout) =>
        CallAsync(ClientEndpoint(client), ClientEndpoint(client), Known(peerId), method, request, life => handle((TService)life.Service!), timeout);

    /// <summary>The network endpoint and host of a client named <paramref name="name"/>.</summary>
    public static string ClientEndpoint(string name) => "client/" + name;

    /// <summary>
    /// A life whose activation failed is over, as Orleans discards a failed activation: the peer no longer runs, and a
    /// later <see cref="StartAsync"/> may start it again. (The activation's starter and callers see its exception.)
    /// </summary>
    private async Task EndIfActivationFailsAsync(PeerLife life)
    {
        try
        {
            await life.Activation.WaitAsync(life.Ended);
        }
        catch (Exception exception) when (!life.IsOver)
        {
            logger.LogError(exception, "Peer {Peer}: the activation of life {Life} failed; the life is over", life.PeerId, life.Scheduler);
            Loop.Record($"activation failed {life.Scheduler}");
            life.End(powerLoss);
            Network.NewIncarnation(life.PeerId);
        }
        catch (OperationCanceledException)
        {
            // The life ended (a crash) before its activation completed.
        }
    }

    /// <summary>
    /// Runs cluster work outside any peer's turns (so that no crash drops it); a failure is logged as an error, which
    /// the explorer and the tests' log watchers count, never lost.
    /// </summary>
    private void RunInBackground(Func<Task> work, string what) =>
        _ = Task.Factory.StartNew(async () =>
        {
            try
            {
                await work();
            }
            catch (Exception exception)
            {
                logger.LogError(exception, "Simulated cluster: {Work} failed", what);
            }
        }, CancellationToken.None, TaskCreationOptions.DenyChildAttach, Loop.Scheduler).Unwrap();

    /// <summary>A life asked to be dropped (its storage failed): deactivate it, and start a new life from its disk.</summary>
    internal void Deactivate(PeerLife life) =>
        RunInBackground(() => DeactivateAndRestartAsync(life), $"deactivating {life.Scheduler} after its storage failed");

    private async Task DeactivateAndRestartAsync(PeerLife life)
    {
        if (life.IsOver || lives[life.PeerId] != life)
        {
            return;
        }
        if (!await DeactivateAsync(life, "storage failure") || lives[life.PeerId] != life)
        {
            return; // crashed meanwhile: whoever restarts it decides
        }
        Loop.Record($"deactivate {life.Scheduler}");
        life.End(powerLoss);
        Network.NewIncarnation(life.PeerId);
        await StartAsync(life.PeerId);
    }

    /// <summary>Runs the driver's deactivation; false when the life crashed before it completed.</summary>
    private static async Task<bool> DeactivateAsync(PeerLife life, string reason)
    {
        try
        {
            await life.Scheduler.Run(() => life.Peer.DeactivateAsync(reason)).WaitAsync(life.Ended);
            return !life.IsOver;
        }
        catch (OperationCanceledException) when (life.IsOver)
        {
            return false;
        }
    }

    private string Known(string peerId) =>
        lives.ContainsKey(peerId) ? peerId : throw new ArgumentException($"Peer {peerId} is not a member of this cluster.", nameof(peerId));
}
