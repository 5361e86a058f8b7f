using Raft.Runtime.Hosting;
using Microsoft.Extensions.Logging;

namespace Raft.Runtime.Activation;

/// <summary>
/// A grain timer. The underlying TimeProvider timer only queues a tick on the activation; the tick runs as a
/// turn under the grain's admission rules, and the next due time is armed when the callback has completed,
/// so ticks never overlap each other. Change() during a tick takes effect after it.
/// </summary>
internal sealed class GrainTimer : IGrainTimer
{
    private readonly ActivationData activation;
    private readonly Func<CancellationToken, Task> callback;
    private readonly CancellationTokenSource disposed = new();
    private readonly object gate = new();
    private ITimer? timer;
    private TimeSpan dueTime;
    private TimeSpan period;
    private bool tickInProgress;
    private bool changedDuringTick;

    public GrainTimer(ActivationData activation, Func<CancellationToken, Task> callback, GrainTimerCreationOptions options)
    {
        if (options.DueTime < TimeSpan.Zero && options.DueTime != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "DueTime must be non-negative or infinite.");
        }
        if (options.Period <= TimeSpan.Zero && options.Period != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "Period must be positive or infinite.");
        }
        this.activation = activation;
        this.callback = callback;
        dueTime = options.DueTime;
        period = options.Period;
        Interleave = options.Interleave;
        KeepAlive = options.KeepAlive;
    }

    public bool Interleave { get; }

    public bool KeepAlive { get; }

    public override string ToString() => $"grain timer of {activation}";

    public void Start()
    {
        lock (gate)
        {
            timer = activation.Runtime.Time.CreateTimer(static s => ((GrainTimer)s!).Fire(), this, dueTime, Timeout.InfiniteTimeSpan);
        }
    }

    public void Change(TimeSpan dueTime, TimeSpan period)
    {
        lock (gate)
        {
            if (disposed.IsCancellationRequested)
            {
                throw new ObjectDisposedException(nameof(GrainTimer));
            }
            this.dueTime = dueTime;
            this.period = period;
            if (tickInProgress)
            {
                changedDuringTick = true;
                return;
            }
            timer?.Change(dueTime, Timeout.InfiniteTimeSpan);
        }
    }

    public void Dispose()
    {
        lock (gate)
        {
            if (disposed.IsCancellationRequested)
            {
                return;
            }
            disposed.Cancel();
            timer?.Dispose();
            timer = null;
        }
        activation.RemoveTimer(this);
    }

    private void Fire()
    {
        lock (gate)
        {
            if (disposed.IsCancellationRequested || tickInProgress)
            {
                return;
            }
            tickInProgress = true;
            changedDuringTick = false;
        }
        activation.Enqueue(new TimerTick(this));
    }

    internal Task RunCallbackAsync() => disposed.IsCancellationRequested ? Task.CompletedTask : callback(disposed.Token);

    internal void TickCompleted(Task task)
    {
        if (task.Exception is { } exception)
        {
            activation.Runtime.LoggerFactory.CreateLogger("Raft.Runtime.GrainTimer")
                .LogError(exception.InnerException ?? exception, "Timer callback of {GrainId} threw; the timer keeps its schedule", activation.GrainId);
        }
        lock (gate)
        {
            tickInProgress = false;
            if (disposed.IsCancellationRequested)
            {
                return;
            }
            // After a tick the timer waits one period, unless Change() set a new due time during the tick.
            var next = changedDuringTick ? dueTime : period;
            changedDuringTick = false;
            timer?.Change(next, Timeout.InfiniteTimeSpan);
        }
    }

    internal void TickDropped()
    {
        lock (gate)
        {
            tickInProgress = false;
        }
    }

    private sealed class TimerTick : WorkItem
    {
        private readonly GrainTimer owner;

        public TimerTick(GrainTimer owner) => this.owner = owner;

        public override bool AlwaysInterleave => owner.Interleave;

        public override bool IsReadOnly => false;

        public override bool KeepsAlive => owner.KeepAlive;

        public override string ToString() => $"tick of {owner}";

        public override Task RunAsync(ActivationData activation) => owner.RunCallbackAsync();

        public override void Completed(ActivationData activation, Task task) => owner.TickCompleted(task);

        public override void Reject(ActivationData? activation, Exception reason) => owner.TickDropped();

        public override void Redirect(ActivationData activation) => owner.TickDropped();
    }
}
