namespace Raft.Simulation.Linearizability;

/// <summary>
/// Records a history from concurrent clients. Thread-safe. Around each request:
/// <code>
/// var op = recorder.Begin(clientId, KvInput.Get("x"));   // before sending
/// var value = await clerk.GetAsync("x");
/// recorder.End(op, KvOutput.Of(value));                    // after the reply
/// </code>
/// or <see cref="EndUnknown"/> when the client gave up (timeout, shutdown) without learning the outcome.
/// Timestamps come from <see cref="TimeProvider.GetTimestamp"/> of the given provider (default: the system
/// provider, i.e. <see cref="System.Diagnostics.Stopwatch.GetTimestamp"/>), which must be monotonic; a test
/// running on virtual time passes its own provider.
/// </summary>
public sealed class HistoryRecorder<TInput, TOutput>
{
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly TOutput _unknownOutput;
    private readonly List<(long Id, Operation<TInput, TOutput> Op)> _ended = new();
    private readonly Dictionary<long, PendingOperation<TInput>> _pending = new();
    private long _nextId;

    /// <param name="unknownOutput">The output recorded by <see cref="EndUnknown"/>: one the model accepts
    /// whatever happened, e.g. <see cref="KvOutput.Unknown"/> or <see cref="VersionedKvOutput.Unknown"/>.</param>
    /// <param name="timeProvider">The clock; null for <see cref="TimeProvider.System"/>.</param>
    public HistoryRecorder(TOutput unknownOutput, TimeProvider? timeProvider = null)
    {
        _unknownOutput = unknownOutput;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Number of operations ended so far (with End or EndUnknown).</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _ended.Count;
            }
        }
    }

    /// <summary>Stamps the call of an operation; call just before sending the request.</summary>
    public PendingOperation<TInput> Begin(int clientId, TInput input)
    {
        lock (_lock)
        {
            var op = new PendingOperation<TInput>(this, _nextId++, clientId, input, _time.GetTimestamp());
            _pending.Add(op.Id, op);
            return op;
        }
    }

    /// <summary>Stamps the return of <paramref name="op"/> with the reply the client got, and records it.</summary>
    /// <exception cref="InvalidOperationException">The operation was already ended.</exception>
    public Operation<TInput, TOutput> End(PendingOperation<TInput> op, TOutput output)
    {
        lock (_lock)
        {
            TakePending(op);
            return Record(op, output, _time.GetTimestamp());
        }
    }

    /// <summary>
    /// Records <paramref name="op"/> as having an unknown outcome: the recorder's unknown output, returning at
    /// <see cref="Operation{TInput, TOutput}.UnknownReturn"/>, so the checker may let it take effect at any
    /// time after its call, or effectively never.
    /// </summary>
    /// <exception cref="InvalidOperationException">The operation was already ended.</exception>
    public Operation<TInput, TOutput> EndUnknown(PendingOperation<TInput> op)
    {
        lock (_lock)
        {
            TakePending(op);
            return Record(op, _unknownOutput, Operation<TInput, TOutput>.UnknownReturn);
        }
    }

    /// <summary>
    /// A snapshot of the history: ended operations, plus those still pending per <paramref name="pending"/>,
    /// ordered by call time (then Begin order).
    /// </summary>
    public IReadOnlyList<Operation<TInput, TOutput>> GetHistory(PendingOperations pending = PendingOperations.RecordAsUnknown)
    {
        lock (_lock)
        {
            var all = new List<(long Id, Operation<TInput, TOutput> Op)>(_ended);
            if (pending == PendingOperations.RecordAsUnknown)
            {
                all.AddRange(_pending.Values.Select(p =>
                    (p.Id, new Operation<TInput, TOutput>(p.ClientId, p.Input, p.Call, _unknownOutput, Operation<TInput, TOutput>.UnknownReturn))));
            }
            return all.OrderBy(e => e.Op.Call).ThenBy(e => e.Id).Select(e => e.Op).ToArray();
        }
    }

    private void TakePending(PendingOperation<TInput> op)
    {
        ArgumentNullException.ThrowIfNull(op);
        if (!ReferenceEquals(op.Recorder, this))
        {
            throw new ArgumentException("The operation was begun on another recorder.", nameof(op));
        }
        if (op.Ended || !_pending.Remove(op.Id))
        {
            throw new InvalidOperationException($"Operation {op.Id} of client {op.ClientId} was already ended.");
        }
        op.Ended = true;
    }

    private Operation<TInput, TOutput> Record(PendingOperation<TInput> op, TOutput output, long returnTimestamp)
    {
        var recorded = new Operation<TInput, TOutput>(op.ClientId, op.Input, op.Call, output, returnTimestamp);
        _ended.Add((op.Id, recorded));
        return recorded;
    }
}
