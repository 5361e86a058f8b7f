namespace Raft.Runtime.Scheduling;

/// <summary>
/// The per-activation scheduler: a queue of tasks run one at a time, so that no two threads are ever inside
/// one activation. Grain code awaits with the default context capture, so every continuation of a grain
/// method comes back to this scheduler; a turn is one such task running until its next incomplete await.
/// Once killed, the scheduler runs nothing more: a crashed activation's code stops at its next await.
/// </summary>
internal sealed class ActivationTaskScheduler : TaskScheduler, IThreadPoolWorkItem
{
    // Turns run per drain before yielding the thread, so that one busy activation cannot starve the others.
    private const int TurnsPerDrain = 64;

    [ThreadStatic]
    private static ActivationTaskScheduler? running;

    private readonly Queue<Task> queue = new();
    private readonly IWorkExecutor executor;
    private readonly object gate = new();
    private bool scheduled;
    private bool killed;

    public ActivationTaskScheduler(IWorkExecutor executor, object owner)
    {
        this.executor = executor;
        Owner = owner;
    }

    /// <summary>The activation (or other single-threaded object) this scheduler serializes.</summary>
    public object Owner { get; }

    public override int MaximumConcurrencyLevel => 1;

    /// <summary>Names the activation, e.g. in the trace of a simulation that runs this scheduler's drains.</summary>
    public override string ToString() => Owner.ToString() ?? nameof(ActivationTaskScheduler);

    /// <summary>The scheduler whose turn is running on this thread, if any.</summary>
    public static ActivationTaskScheduler? Running => running;

    public bool IsKilled
    {
        get
        {
            lock (gate)
            {
                return killed;
            }
        }
    }

    /// <summary>Stops running anything: queued and future tasks are dropped and never complete.</summary>
    public void Kill()
    {
        lock (gate)
        {
            killed = true;
            queue.Clear();
        }
    }

    /// <summary>Starts <paramref name="function"/> as a new turn on this scheduler.</summary>
    public Task<T> Run<T>(Func<Task<T>> function) =>
        Task.Factory.StartNew(function, CancellationToken.None, TaskCreationOptions.DenyChildAttach, this).Unwrap();

    /// <summary>Starts <paramref name="function"/> as a new turn on this scheduler.</summary>
    public Task Run(Func<Task> function) =>
        Task.Factory.StartNew(function, CancellationToken.None, TaskCreationOptions.DenyChildAttach, this).Unwrap();

    protected override void QueueTask(Task task)
    {
        lock (gate)
        {
            if (killed)
            {
                return;
            }
            queue.Enqueue(task);
            if (scheduled)
            {
                return;
            }
            scheduled = true;
        }
        executor.Execute(this);
    }

    // Inlining is allowed only from a turn of this same activation, where it cannot break exclusivity.
    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) =>
        !taskWasPreviouslyQueued && running == this && !IsKilled && TryExecuteTask(task);

    protected override IEnumerable<Task> GetScheduledTasks()
    {
        lock (gate)
        {
            return queue.ToArray();
        }
    }

    void IThreadPoolWorkItem.Execute()
    {
        var previous = running;
        running = this;
        try
        {
            for (var i = 0; i < TurnsPerDrain; i++)
            {
                Task? next;
                lock (gate)
                {
                    if (killed || !queue.TryDequeue(out next))
                    {
                        scheduled = false;
                        return;
                    }
                }
                TryExecuteTask(next);
            }
        }
        finally
        {
            running = previous;
        }
        lock (gate)
        {
            if (killed || queue.Count == 0)
            {
                scheduled = false;
                return;
            }
        }
        executor.Execute(this);
    }
}
