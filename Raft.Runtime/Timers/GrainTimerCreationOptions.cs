namespace Raft.Runtime;

/// <summary>
/// How a grain timer behaves. A tick is delivered like a request: it waits its turn and obeys the grain's
/// admission rules unless <see cref="Interleave"/> is set. The next tick is armed <see cref="Period"/> after
/// the callback completes, so ticks never overlap.
/// </summary>
public readonly record struct GrainTimerCreationOptions(TimeSpan DueTime, TimeSpan Period)
{
    /// <summary>Ticks interleave with running requests (at await points), like an [AlwaysInterleave] method.</summary>
    public bool Interleave { get; init; }

    /// <summary>Ticks count as activity, so the activation is not collected while the timer runs.</summary>
    public bool KeepAlive { get; init; }
}

/// <summary>A registered grain timer.</summary>
public interface IGrainTimer : IDisposable
{
    /// <summary>Changes due time and period. Called during a tick, it takes effect after the tick completes.</summary>
    void Change(TimeSpan dueTime, TimeSpan period);
}
