namespace Raft.Runtime.Transport;

/// <summary>
/// Starts socket loops on the default scheduler. A loop started from inside a grain turn would otherwise
/// capture the activation's scheduler and die with it; transport I/O belongs to no activation.
/// </summary>
internal static class Detached
{
    public static Task Run(Func<Task> loop) =>
        Task.Factory.StartNew(loop, CancellationToken.None, TaskCreationOptions.DenyChildAttach, TaskScheduler.Default).Unwrap();
}
