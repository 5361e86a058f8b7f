using Microsoft.Extensions.Logging;
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
    private readonly ILogger logger;
    private readonly CancellationTokenSource disposed = new();
    private readonly ITimer timer;
    private TimeSpan period;
    private bool ticking;
    private (TimeSpan Due, TimeSpan Period)? changedDuringTick;

    public SimulatedPeerTimer(
        SimulationLoop loop, PeerScheduler scheduler, Func<CancellationToken, Task> callback, TimeSpan dueTime, TimeSpan period, ILogger logger)
    {
        this.scheduler = scheduler;
        this.callback = callback;
        this.logger = logger;
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
        if (disposed.IsCancellationRequested)
        {
            ticking = false;
            return; // disposed while the tick was queued, as a grain timer's tick is dropped
        }
        try
        {
            await callback(disposed.Token);
        }
        catch (Exception exception)
        {
            // As a grain timer: a failed tick is logged as an error and does not stop the timer.
            logger.LogError(exception, "Timer {Timer} of {Peer}: the tick failed", callback.Method.Name, scheduler);
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
