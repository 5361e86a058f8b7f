using Raft.Runtime.Hosting;
namespace Raft.Runtime.Activation;

/// <summary>Something that needs a turn on an activation: a request or a timer tick.</summary>
internal abstract class WorkItem
{
    /// <summary>May run while other work of the activation is suspended at an await.</summary>
    public abstract bool AlwaysInterleave { get; }

    public abstract bool IsReadOnly { get; }

    /// <summary>Counts as activity for idle collection.</summary>
    public abstract bool KeepsAlive { get; }

    /// <summary>The queued item is no longer wanted (its caller gave up); drop it without running.</summary>
    public virtual bool IsExpired(long nowTimestamp) => false;

    /// <summary>Runs the work; called on the activation's scheduler.</summary>
    public abstract Task RunAsync(ActivationData activation);

    /// <summary>Called once the task from <see cref="RunAsync"/> completed, unless the activation was killed.</summary>
    public abstract void Completed(ActivationData activation, Task task);

    /// <summary>The work will never run (activation failed, killed or could not be created).</summary>
    public abstract void Reject(ActivationData? activation, Exception reason);

    /// <summary>The activation went away before running this; send it to the grain's next activation.</summary>
    public abstract void Redirect(ActivationData activation);
}
