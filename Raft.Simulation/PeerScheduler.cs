namespace Raft.Simulation;

/// <summary>
/// The turns of one life of a simulated peer: every task it schedules (its calls, timer ticks, the continuations of
/// its awaits) runs on the loop, one at a time. Once the life ends (a crash) nothing of it runs again: what it had
/// queued or awaits is dropped, as a process that died never resumes.
/// </summary>
internal sealed class PeerScheduler(SimulationLoop loop, string name) : TaskScheduler
{
    private readonly string name = name;
    private bool stopped;

    // While stalled, turns that come up wait here in order, as the work of a process that is not scheduled waits.
    private List<Turn>? stalledTurns;

    public override int MaximumConcurrencyLevel => 1;

    /// <summary>Ends this life: queued and later turns never run.</summary>
    public void Stop() => stopped = true;

    public bool Stopped => stopped;

    /// <summary>
    /// Runs no turn until <see cref="Resume"/>, as a process in a GC pause or on a starved or frozen machine: timers
    /// keep firing and messages keep arriving meanwhile, and their turns run afterwards, in the order they came up.
    /// </summary>
    public void Stall() => stalledTurns ??= [];

    /// <summary>Ends a <see cref="Stall"/>: the turns that waited run next, in order.</summary>
    public void Resume()
    {
        if (stalledTurns is not { } waiting)
        {
            return;
        }
        stalledTurns = null;
        foreach (var turn in waiting)
        {
            loop.Post(turn);
        }
    }

    /// <summary>Runs <paramref name="work"/> as a turn of this life (a call into the peer from outside it).</summary>
    public Task<T> Run<T>(Func<Task<T>> work) =>
        Task.Factory.StartNew(work, CancellationToken.None, TaskCreationOptions.DenyChildAttach, this).Unwrap();

    /// <inheritdoc cref="Run{T}"/>
    public Task Run(Func<Task> work) =>
        Task.Factory.StartNew(work, CancellationToken.None, TaskCreationOptions.DenyChildAttach, this).Unwrap();

    protected override void QueueTask(Task task)
    {
        if (!stopped)
        {
            loop.Post(new Turn(this, task));
        }
    }

    // Never inline: every turn is an event of its own on the loop, in the same order every run.
    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) => false;

    protected override IEnumerable<Task> GetScheduledTasks() => [];

    public override string ToString() => name;

    private sealed class Turn(PeerScheduler scheduler, Task task) : IThreadPoolWorkItem
    {
        public void Execute()
        {
            if (scheduler.stopped)
            {
                return;
            }
            if (scheduler.stalledTurns is { } waiting)
            {
                waiting.Add(this);
                return;
            }
            scheduler.TryExecuteTask(task);
        }

        public override string ToString() => scheduler.name;
    }
}
