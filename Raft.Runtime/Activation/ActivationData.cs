using Raft.Runtime.Hosting;
using Microsoft.Extensions.Logging;
using Raft.Runtime.Metadata;
using Raft.Runtime.Scheduling;

namespace Raft.Runtime.Activation;

internal enum ActivationState
{
    Activating,
    Valid,
    Deactivating,
    Invalid,
}

/// <summary>
/// One activation of a grain: the grain instance, its scheduler, its request queue and admission rules, its
/// timers and persistent states. Admission follows Orleans: a request starts when the activation is idle,
/// when the grain is [Reentrant], when the request is [AlwaysInterleave] or everything running is, or when
/// both it and everything running are [ReadOnly]; later interleavable requests may overtake blocked ones.
/// </summary>
internal sealed partial class ActivationData : IGrainContext
{
    [ThreadStatic]
    private static ActivationData? constructing;

    private readonly object gate = new();
    private readonly List<WorkItem> waiting = new();
    private readonly List<WorkItem> running = new();
    private readonly List<GrainTimer> timers = new();
    private readonly List<IPersistentStateBinding> states = new();
    private readonly ILogger logger;
    private DeactivationReason? pendingDeactivation;
    private long lastActivityTimestamp;
    private long keepAliveUntilTimestamp;
    private string? description;

    public ActivationData(GrainId grainId, GrainClassInfo classInfo, SiloRuntime runtime)
    {
        GrainId = grainId;
        ClassInfo = classInfo;
        Runtime = runtime;
        Scheduler = new ActivationTaskScheduler(runtime.Executor, this);
        logger = runtime.LoggerFactory.CreateLogger("Raft.Runtime.Activation");
        lastActivityTimestamp = runtime.Time.GetTimestamp();
    }

    /// <summary>The activation whose grain constructor is running on this thread.</summary>
    public static ActivationData? Constructing => constructing;

    public GrainId GrainId { get; }

    public GrainClassInfo ClassInfo { get; }

    public SiloRuntime Runtime { get; }

    public ActivationTaskScheduler Scheduler { get; }

    public IGrainBase? Grain { get; private set; }

    public ActivationState State { get; private set; } = ActivationState.Activating;

    /// <summary>Set when the activation was killed (a simulated crash). A killed activation never runs again.</summary>
    public bool IsKilled => Scheduler.IsKilled;

    public override string ToString() => description ??= $"activation of {GrainId} on {Runtime.SiloName}";

    /// <summary>What this activation is running and what waits for a turn, or null when idle (for diagnostics).</summary>
    public string? DescribeWork()
    {
        lock (gate)
        {
            if (running.Count == 0 && waiting.Count == 0)
            {
                return null;
            }
            return $"{this} ({State}): running [{string.Join(", ", running)}], waiting [{string.Join(", ", waiting)}]";
        }
    }

    /// <summary>Queues work; it starts as soon as admission allows.</summary>
    public void Enqueue(WorkItem item)
    {
        bool redirect = false;
        lock (gate)
        {
            if (State == ActivationState.Invalid)
            {
                redirect = true;
            }
            else
            {
                waiting.Add(item);
                PumpLocked();
            }
        }
        if (redirect)
        {
            item.Redirect(this);
        }
    }

    /// <summary>
    /// Starts the activation: wait for writes an earlier activation left in flight, construct, load state,
    /// OnActivateAsync. Called once by the catalog.
    /// </summary>
    public void Activate() => Scheduler.Run(ActivateAsync);

    private async Task ActivateAsync()
    {
        try
        {
            await AwaitEarlierStorageOperationsAsync();
            constructing = this;
            try
            {
                Grain = (IGrainBase)Runtime.Activator.CreateInstance(this, states);
            }
            finally
            {
                constructing = null;
            }
            foreach (var state in states)
            {
                await state.ReadStateAsync();
            }
            using var activationTimeout = new CancellationTokenSource(Runtime.Options.ActivationTimeout, Runtime.Time);
            await Grain.OnActivateAsync(activationTimeout.Token);
        }
        catch (Exception exception)
        {
            logger.LogError(exception, "Activation of {GrainId} on {Silo} failed", GrainId, Runtime.SiloName);
            FailActivation(exception);
            return;
        }
        lock (gate)
        {
            if (State != ActivationState.Activating)
            {
                return;
            }
            State = ActivationState.Valid;
            PumpLocked();
        }
    }

    private void FailActivation(Exception exception)
    {
        List<WorkItem> rejected;
        lock (gate)
        {
            State = ActivationState.Invalid;
            rejected = new List<WorkItem>(waiting);
            waiting.Clear();
        }
        DisposeTimers();
        Runtime.Catalog.Remove(this);
        var failure = new GrainCallException($"Activation of {GrainId} failed: {exception.Message}", exception);
        foreach (var item in rejected)
        {
            item.Reject(this, failure);
        }
    }

    private void PumpLocked()
    {
        if (State != ActivationState.Valid)
        {
            return;
        }
        var now = Runtime.Time.GetTimestamp();
        for (var i = 0; i < waiting.Count;)
        {
            var item = waiting[i];
            if (item.IsExpired(now))
            {
                waiting.RemoveAt(i);
                continue;
            }
            if (!MayStartLocked(item))
            {
                i++;
                continue;
            }
            waiting.RemoveAt(i);
            StartLocked(item, now);
        }
        if (running.Count == 0 && pendingDeactivation is { } reason)
        {
            BeginDeactivationLocked(reason);
        }
    }

    private bool MayStartLocked(WorkItem item)
    {
        if (pendingDeactivation is not null)
        {
            return false; // what is still queued goes to the next activation
        }
        if (running.Count == 0 || ClassInfo.IsReentrant || item.AlwaysInterleave)
        {
            return true;
        }
        var allInterleave = true;
        var allReadOnly = item.IsReadOnly;
        foreach (var other in running)
        {
            allInterleave &= other.AlwaysInterleave;
            allReadOnly &= other.IsReadOnly;
        }
        return allInterleave || allReadOnly;
    }

    private void StartLocked(WorkItem item, long now)
    {
        running.Add(item);
        if (item.KeepsAlive)
        {
            lastActivityTimestamp = now;
        }
        Scheduler.Run(() => RunWorkAsync(item));
    }

    // The completion bookkeeping runs inside the activation's own turn, so that it needs no thread of its
    // own and, in a deterministic simulation, happens at a reproducible point.
    private async Task RunWorkAsync(WorkItem item)
    {
        Task work;
        try
        {
            work = item.RunAsync(this);
            await work;
        }
        catch (Exception exception)
        {
            work = Task.FromException(exception);
        }
        OnWorkCompleted(item, work);
    }

    private void OnWorkCompleted(WorkItem item, Task task)
    {
        lock (gate)
        {
            if (!running.Remove(item))
            {
                return; // killed meanwhile: its caller was already told.
            }
            lastActivityTimestamp = Runtime.Time.GetTimestamp();
        }
        item.Completed(this, task);
        lock (gate)
        {
            PumpLocked();
        }
    }

    /// <summary>Deactivate once no work is running (DeactivateOnIdle, idle collection, silo shutdown).</summary>
    public void RequestDeactivation(DeactivationReason reason)
    {
        lock (gate)
        {
            if (State is ActivationState.Deactivating or ActivationState.Invalid || pendingDeactivation is not null)
            {
                return;
            }
            pendingDeactivation = reason;
            if (State == ActivationState.Valid && running.Count == 0)
            {
                BeginDeactivationLocked(reason);
            }
        }
    }

    public void DelayDeactivation(TimeSpan timeSpan)
    {
        lock (gate)
        {
            keepAliveUntilTimestamp = Runtime.Time.GetTimestamp() + (long)(timeSpan.TotalSeconds * Runtime.Time.TimestampFrequency);
        }
    }

    /// <summary>True when the activation has been idle longer than <paramref name="age"/> and nothing keeps it alive.</summary>
    public bool IsIdleLongerThan(TimeSpan age, long now)
    {
        lock (gate)
        {
            if (State != ActivationState.Valid || running.Count > 0 || waiting.Count > 0 || now < keepAliveUntilTimestamp)
            {
                return false;
            }
            foreach (var timer in timers)
            {
                if (timer.KeepAlive)
                {
                    return false;
                }
            }
            return Runtime.Time.GetElapsedTime(lastActivityTimestamp, now) > age;
        }
    }

    private void BeginDeactivationLocked(DeactivationReason reason)
    {
        State = ActivationState.Deactivating;
        Scheduler.Run(() => DeactivateAsync(reason));
    }

    private async Task DeactivateAsync(DeactivationReason reason)
    {
        DisposeTimers();
        if (Grain is not null)
        {
            try
            {
                using var timeout = new CancellationTokenSource(Runtime.Options.DeactivationTimeout, Runtime.Time);
                await Grain.OnDeactivateAsync(reason, timeout.Token);
            }
            catch (Exception exception)
            {
                logger.LogWarning(exception, "OnDeactivateAsync of {GrainId} threw", GrainId);
            }
        }
        List<WorkItem> leftover;
        lock (gate)
        {
            State = ActivationState.Invalid;
            leftover = new List<WorkItem>(waiting);
            waiting.Clear();
        }
        Runtime.Catalog.Remove(this);
        logger.LogDebug("Deactivated {GrainId} on {Silo}: {Reason}", GrainId, Runtime.SiloName, reason);
        foreach (var item in leftover)
        {
            item.Redirect(this);
        }
    }

    /// <summary>
    /// Crashes the activation: nothing of it runs again, its timers stop, its state is not written any more,
    /// and every caller waiting on it is told at once. OnDeactivateAsync is not called.
    /// </summary>
    public void Kill()
    {
        List<WorkItem> abandoned;
        lock (gate)
        {
            Scheduler.Kill();
            State = ActivationState.Invalid;
            abandoned = new List<WorkItem>(running.Count + waiting.Count);
            abandoned.AddRange(running);
            abandoned.AddRange(waiting);
            running.Clear();
            waiting.Clear();
        }
        DisposeTimers();
        Runtime.Catalog.Remove(this);
        var reason = new ActivationKilledException($"{GrainId} was killed.");
        foreach (var item in abandoned)
        {
            item.Reject(this, reason);
        }
    }
}
