namespace Raft.Runtime.Storage;

/// <summary>
/// Runs operations one at a time, in the order they were queued, off the caller's thread, and completes each
/// caller's task with the operation's result or exception. Meant for blocking work (a synchronous database driver's
/// commit and fsync) that must not hold the caller's grain turn while it runs. Operations run on a thread-pool
/// work item that drains the queue and ends when it is empty; it is queued to the calling thread's local queue, so
/// after the caller's turn yields the same thread usually runs it next, without waking another one. At most one
/// thread-pool thread per queue is ever blocked in an operation. Callers' continuations never run inline on it.
/// </summary>
internal sealed class OperationQueue : IThreadPoolWorkItem
{
    private readonly Queue<Action> _pending = new();
    private bool _draining;

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
            if (_draining)
            {
                return;
            }
            _draining = true;
        }
        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: true);
    }

    void IThreadPoolWorkItem.Execute()
    {
        while (true)
        {
            Action next;
            lock (_pending)
            {
                if (!_pending.TryDequeue(out next!))
                {
                    _draining = false;
                    return;
                }
            }
            next();
        }
    }
}
