using Raft.Runtime.Hosting;
namespace Raft.Runtime.Activation;

internal sealed partial class ActivationData
{
    public IGrainTimer RegisterTimer(Func<CancellationToken, Task> callback, GrainTimerCreationOptions options)
    {
        var timer = new GrainTimer(this, callback, options);
        lock (gate)
        {
            if (State is ActivationState.Deactivating or ActivationState.Invalid)
            {
                throw new InvalidOperationException($"Cannot register a timer on {GrainId}: the activation is deactivating.");
            }
            timers.Add(timer);
        }
        timer.Start();
        return timer;
    }

    internal void RemoveTimer(GrainTimer timer)
    {
        lock (gate)
        {
            timers.Remove(timer);
        }
    }

    private void DisposeTimers()
    {
        GrainTimer[] all;
        lock (gate)
        {
            all = timers.ToArray();
            timers.Clear();
        }
        foreach (var timer in all)
        {
            timer.Dispose();
        }
    }
}
