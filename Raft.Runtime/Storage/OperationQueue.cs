namespace Raft.Runtime.Storage;

/// <summary>
/// Runs operations one at a time, in the order they were queued, on a background thread of its own, and completes
/// each caller's task with the operation's result or exception. Meant for blocking work (a synchronous database
/// driver's commit and fsync) that must not hold the caller's thread or grain turn while it runs. The thread starts
/// with the first operation and ends after <see cref="IdleTimeout"/> without work, so an unused queue holds no thread.
/// Callers' continuations never run on the queue's thread.
/// </summary>
internal sealed class OperationQueue
{
    private static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(2);

    private readonly Queue<Action> _pending = new();
    private readonly string _threadName;
    private bool _threadRunning;

    public OperationQueue(string threadName) => _threadName = threadName;

    public Task<T> Run<T>(Func<T> operation)
    {
        var completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        Enqueue(() =>
        {
            try
            {
                completion.SetResult(operation());
            }
            catch (Exception exception)
            {
                completion.SetException(exception);
            }
        });
        return completion.Task;
    }

    private void Enqueue(Action action)
    {
        lock (_pending)
        {
            _pending.Enqueue(action);
            if (_threadRunning)
            {
                Monitor.Pulse(_pending);
                return;
            }
            _threadRunning = true;
        }
        // UnsafeStart: the operations do not need the ExecutionContext (AsyncLocals) of whichever caller started the thread.
        new Thread(Drain) { IsBackground = true, Name = _threadName }.UnsafeStart();
    }

    private void Drain()
    {
        while (true)
        {
            Action next;
            lock (_pending)
            {
                while (_pending.Count == 0)
                {
                    if (!Monitor.Wait(_pending, IdleTimeout) && _pending.Count == 0)
                    {
                        _threadRunning = false;
                        return;
                    }
                }
                next = _pending.Dequeue();
            }
            next();
        }
    }
}
