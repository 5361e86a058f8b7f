namespace Raft.Runtime.Scheduling;

/// <summary>
/// Where activation schedulers run their turns. The default is the .NET thread pool; a deterministic
/// simulation replaces it with a single-threaded loop, which is why runtime code never calls Task.Run.
/// </summary>
public interface IWorkExecutor
{
    void Execute(IThreadPoolWorkItem workItem);
}

/// <summary>Runs work items on the .NET thread pool.</summary>
public sealed class ThreadPoolWorkExecutor : IWorkExecutor
{
    public static ThreadPoolWorkExecutor Instance { get; } = new();

    public void Execute(IThreadPoolWorkItem workItem) => ThreadPool.UnsafeQueueUserWorkItem(workItem, preferLocal: false);
}
