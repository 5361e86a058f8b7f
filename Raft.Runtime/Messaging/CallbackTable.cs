using System.Collections.Concurrent;

namespace Raft.Runtime.Messaging;

/// <summary>
/// Requests waiting for their responses. Each one is completed exactly once: by its response, by its
/// timeout, by cancellation, or by a transport failure.
/// </summary>
internal sealed class CallbackTable
{
    private readonly ConcurrentDictionary<long, PendingCall> pending = new();
    private readonly TimeProvider time;
    private long nextId;

    public CallbackTable(TimeProvider time) => this.time = time;

    public int Count => pending.Count;

    public long NextMessageId() => Interlocked.Increment(ref nextId);

    public Task<Message> Register(Message request, CancellationToken cancellationToken, Action<Message> onCancelled)
    {
        var call = new PendingCall(this, request);
        pending[request.Id] = call;
        call.Timer = time.CreateTimer(static s => ((PendingCall)s!).TimedOut(), call, request.Timeout, System.Threading.Timeout.InfiniteTimeSpan);
        if (cancellationToken.CanBeCanceled)
        {
            call.Cancellation = cancellationToken.UnsafeRegister(static s =>
            {
                var (pendingCall, notify) = ((PendingCall, Action<Message>))s!;
                if (pendingCall.Fail(new OperationCanceledException($"The call {pendingCall.Request} was cancelled.")))
                {
                    notify(pendingCall.Request);
                }
            }, (call, onCancelled));
        }
        return call.Completion.Task;
    }

    public bool Complete(Message response)
    {
        if (pending.TryGetValue(response.Id, out var call))
        {
            return call.Succeed(response);
        }
        return false;
    }

    public void Fail(long messageId, Exception exception)
    {
        if (pending.TryGetValue(messageId, out var call))
        {
            call.Fail(exception);
        }
    }

    /// <summary>The requests still waiting for a response, oldest first (for diagnostics).</summary>
    public IReadOnlyList<string> DescribePending() => PendingInOrder().Select(c => $"{c.Request} (timeout {c.Request.Timeout})").ToArray();

    /// <summary>Fails every pending call that matches, e.g. every call routed to a connection that closed.</summary>
    public void FailWhere(Func<Message, bool> predicate, Func<Message, Exception> exception)
    {
        foreach (var call in PendingInOrder())
        {
            if (predicate(call.Request))
            {
                call.Fail(exception(call.Request));
            }
        }
    }

    // In message id order, not the dictionary's: failing calls wakes their callers in this order.
    private PendingCall[] PendingInOrder()
    {
        var calls = pending.Values.ToArray();
        Array.Sort(calls, static (a, b) => a.Request.Id.CompareTo(b.Request.Id));
        return calls;
    }

    private sealed class PendingCall
    {
        private readonly CallbackTable table;
        private int completed;

        public PendingCall(CallbackTable table, Message request)
        {
            this.table = table;
            Request = request;
        }

        public Message Request { get; }

        public override string ToString() => $"response timeout of {Request}";

        public TaskCompletionSource<Message> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ITimer? Timer { get; set; }

        public CancellationTokenRegistration Cancellation { get; set; }

        public void TimedOut() => Fail(new TimeoutException($"Response did not arrive on time in {Request.Timeout} for {Request}."));

        public bool Succeed(Message response)
        {
            if (!TryFinish())
            {
                return false;
            }
            Completion.SetResult(response);
            return true;
        }

        public bool Fail(Exception exception)
        {
            if (!TryFinish())
            {
                return false;
            }
            Completion.SetException(exception);
            return true;
        }

        private bool TryFinish()
        {
            if (Interlocked.Exchange(ref completed, 1) != 0)
            {
                return false;
            }
            table.pending.TryRemove(Request.Id, out _);
            Timer?.Dispose();
            Cancellation.Dispose();
            return true;
        }
    }
}
