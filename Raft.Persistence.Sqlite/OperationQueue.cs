namespace Raft.Persistence.Sqlite;

/// <summary>
/// Runs operations one at a time, in the order they were queued, off the caller's thread, and completes each
/// caller's task with the operation's result or exception. Meant for blocking work (a synchronous database driver's
/// commit and fsync) that must not hold the caller's grain turn while it runs. Operations run on a thread-pool
/// work item that drains the queue and ends when it is empty; it is queued to the calling thread's local queue, so
/// after the caller's turn yields the same thread usually runs it next, without waking another one. At most one
/// thread-pool thread per queue is ever blocked in an operation. Callers' continuations never run inline on it.
///
/// Group commit: with an <see cref="IOperationBatchScope"/>, operations found queued together run inside one
/// transaction of the scope (one commit, one fsync), and none of them completes before that commit: a caller sees
/// exactly what it would see alone, only sooner. See <see cref="IOperationBatchScope"/> for the failure rules.
/// </summary>
internal sealed class OperationQueue : IThreadPoolWorkItem
{
    /// <summary>Bounds one transaction, so a flood of writes still commits (and answers) in pieces.</summary>
    private const int MaxBatch = 1024;

    private readonly Queue<PendingOperation> _pending = new();
    private readonly List<PendingOperation> _batch = new();
    private readonly IOperationBatchScope? _scope;
    private bool _draining;

    public OperationQueue(IOperationBatchScope? scope = null)
    {
        _scope = scope;
    }

    /// <summary>Operations run so far (for the profile in docs/benchmarks.md).</summary>
    public long Operations { get; private set; }

    /// <summary>Commits issued for batches of two or more operations.</summary>
    public long BatchCommits { get; private set; }

    /// <summary>Operations run alone plus batches committed: for a durable provider, its fsyncs.</summary>
    public long Transactions { get; private set; }

    /// <param name="alone">Runs outside any transaction (closing the connection, say): it ends the batch before it.</param>
    public Task<T> Run<T>(Func<T> operation, bool alone = false)
    {
        var pending = new PendingOperation<T>(operation) { Alone = alone };
        lock (_pending)
        {
            _pending.Enqueue(pending);
            if (_draining)
            {
                return pending.Task;
            }
            _draining = true;
        }
        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: true);
        return pending.Task;
    }

    void IThreadPoolWorkItem.Execute()
    {
        while (true)
        {
            lock (_pending)
            {
                while (_batch.Count < MaxBatch && _pending.TryPeek(out var next) && (_batch.Count == 0 || !next.Alone))
                {
                    _batch.Add(_pending.Dequeue());
                    if (next.Alone)
                    {
                        break;
                    }
                }
                if (_batch.Count == 0)
                {
                    _draining = false;
                    return;
                }
            }
            Operations += _batch.Count;
            if (_batch.Count == 1 || _scope is null || !_scope.TryBegin())
            {
                foreach (var operation in _batch)
                {
                    operation.Run();
                    operation.Publish();
                    Transactions++;
                }
            }
            else
            {
                RunInTransaction();
            }
            _batch.Clear();
        }
    }

    private void RunInTransaction()
    {
        Exception? broken = null;
        foreach (var operation in _batch)
        {
            operation.Run();
            if (!_scope!.IsIntact)
            {
                // The connection went with the transaction: nothing of this batch is stored.
                broken = operation.Error ?? new InvalidOperationException("The storage transaction was lost.");
                break;
            }
        }
        if (broken is null)
        {
            try
            {
                _scope!.Commit();
                BatchCommits++;
                Transactions++;
            }
            catch (Exception exception)
            {
                broken = exception;
            }
        }
        foreach (var operation in _batch)
        {
            if (broken is null)
            {
                operation.Publish();
            }
            else
            {
                operation.Fail(broken);
            }
        }
    }

    private abstract class PendingOperation
    {
        public Exception? Error { get; protected set; }

        public bool Alone { get; init; }

        public abstract void Run();

        public abstract void Publish();

        public abstract void Fail(Exception exception);
    }

    private sealed class PendingOperation<T>(Func<T> operation) : PendingOperation
    {
        private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T _result = default!;

        public Task<T> Task => _completion.Task;

        public override void Run()
        {
            try
            {
                _result = operation();
            }
            catch (Exception exception)
            {
                Error = exception;
            }
        }

        public override void Publish()
        {
            if (Error is null)
            {
                _completion.SetResult(_result);
            }
            else
            {
                _completion.SetException(Error);
            }
        }

        public override void Fail(Exception exception) => _completion.TrySetException(exception);
    }
}

/// <summary>
/// A transaction around operations queued together on an <see cref="OperationQueue"/>. Contract: an operation that
/// throws while the scope stays intact changed nothing (a refused ETag check, say) and fails alone; an operation
/// that breaks the scope (an I/O error closing the connection) fails the whole batch, since nothing of it was
/// committed; a commit that throws fails every operation of the batch.
/// </summary>
internal interface IOperationBatchScope
{
    /// <summary>Starts a transaction; false to run the batch's operations one by one instead.</summary>
    bool TryBegin();

    /// <summary>The transaction begun is still open (no operation lost the connection).</summary>
    bool IsIntact { get; }

    void Commit();
}
