using Raft.Grains;

namespace Raft.Simulation;

/// <summary>
/// A peer's timer on the loop, with grain timer semantics: each tick runs as a turn of the peer, the next tick is armed
/// a period after the callback completed (ticks never overlap), and a change made during a tick applies after it.
/// </summary>
internal sealed class SimulatedPeerTimer : IPeerTimer
{
    private readonly PeerScheduler scheduler;
    private readonly Func<CancellationToken, Task> callback;
    private readonly CancellationTokenSource disposed = new();
    private readonly ITimer timer;
    private TimeSpan period;
    private bool ticking;
    private (TimeSpan Due, TimeSpan Period)? changedDuringTick;

    public SimulatedPeerTimer(SimulationLoop loop, PeerScheduler scheduler, Func<CancellationToken, Task> callback, TimeSpan dueTime, TimeSpan period)
    {
        this.scheduler = scheduler;
        this.callback = callback;
        this.period = period;
        timer = loop.CreateTimer(static state => ((SimulatedPeerTimer)state!).Fire(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        timer.Change(dueTime, Timeout.InfiniteTimeSpan);
    }

    public void Change(TimeSpan dueTime, TimeSpan period)
    {
        if (ticking)
        {
            changedDuringTick = (dueTime, period);
            return;
        }
        this.period = period;
        timer.Change(dueTime, Timeout.InfiniteTimeSpan);
    }

    public void Dispose()
    {
        if (!disposed.IsCancellationRequested)
        {
            disposed.Cancel();
            timer.Dispose();
        }
    }

    public override string ToString() => $"{scheduler} {callback.Method.Name}";

    private void Fire()
    {
        if (disposed.IsCancellationRequested || scheduler.Stopped)
        {
            return;
        }
        ticking = true;
        _ = scheduler.Run(TickAsync);
    }

    private async Task TickAsync()
    {
        try
        {
            await callback(disposed.Token);
        }
        catch (Exception)
        {
            // As a grain timer: a failed tick does not stop the timer (the driver logs its own failures).
        }
        finally
        {
            ticking = false;
        }
        if (disposed.IsCancellationRequested)
        {
            return;
        }
        if (changedDuringTick is { } change)
        {
            changedDuringTick = null;
            Change(change.Due, change.Period);
        }
        else if (period != Timeout.InfiniteTimeSpan)
        {
            timer.Change(period, Timeout.InfiniteTimeSpan);
        }
    }
}
