using Raft.Runtime.Scheduling;

namespace Raft.Runtime.Activation;

/// <summary>
/// Where a grain's storage writes run: a provider's code starts inline in the grain's turn (a provider that completes
/// synchronously, like the memory one, behaves exactly as if called directly), and its continuations after an
/// incomplete await run on the silo's work executor instead of on the activation's scheduler. So a write outlives a
/// crash of its activation: a killed activation's scheduler drops everything, which would leave a write whose request
/// has already gone out neither finished nor failed, and the grain's next activation could not wait for it.
/// Provider code therefore runs outside the grain's turns, as it would with ConfigureAwait(false); providers are
/// thread-safe (one instance serves every activation of the silo). The grain's own await of the write still resumes on
/// the grain's scheduler. One instance per silo; the executor makes it deterministic in a simulation.
/// </summary>
internal sealed class StorageTaskScheduler(IWorkExecutor executor) : TaskScheduler
{
    /// <summary>Runs <paramref name="operation"/> now, on this thread, with this scheduler as TaskScheduler.Current.</summary>
    public Task Run(Func<Task> operation)
    {
        var start = new Task<Task>(operation);
        start.RunSynchronously(this);
        return start.Unwrap();
    }

    protected override void QueueTask(Task task) => executor.Execute(new Continuation(this, task));

    // Inlining is what Run relies on, and a provider continuation may run on whichever thread finished what it awaited.
    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) => TryExecuteTask(task);

    protected override IEnumerable<Task> GetScheduledTasks() => [];

    private sealed class Continuation(StorageTaskScheduler scheduler, Task task) : IThreadPoolWorkItem
    {
        public void Execute() => scheduler.TryExecuteTask(task);
    }
}
