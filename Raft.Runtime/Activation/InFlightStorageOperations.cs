namespace Raft.Runtime.Activation;

/// <summary>
/// The storage writes and clears that grains have handed to their providers and that have not finished yet, by grain.
/// A crash (a killed activation or silo) does not take back what was handed over: such a write may still land. So a new
/// activation of the grain first waits for the ones still in flight (<see cref="ActivationData"/>), and only then reads
/// its state; otherwise a write landing after that read would make the new activation's next write of the record fail
/// its ETag check. One instance per silo; an in-process test cluster shares one between its silos, so that a silo
/// restarted in the same process waits too. Thread-safe.
/// </summary>
internal sealed class InFlightStorageOperations
{
    private readonly Lock gate = new();
    private readonly Dictionary<GrainId, List<Operation>> byGrain = new();

    /// <summary>Records an operation before it is handed to the provider; <see cref="End"/> it when it finished.</summary>
    public Operation Begin(GrainId grain, string stateName, string kind, long deadlineTimestamp)
    {
        var operation = new Operation(grain, stateName, kind, deadlineTimestamp);
        lock (gate)
        {
            if (!byGrain.TryGetValue(grain, out var list))
            {
                list = new List<Operation>(1);
                byGrain[grain] = list;
            }
            list.Add(operation);
        }
        return operation;
    }

    public void End(Operation operation)
    {
        lock (gate)
        {
            if (byGrain.TryGetValue(operation.Grain, out var list) && list.Remove(operation) && list.Count == 0)
            {
                byGrain.Remove(operation.Grain);
            }
        }
        operation.Finished();
    }

    /// <summary>The grain's operations not finished yet.</summary>
    public Operation[] Of(GrainId grain)
    {
        lock (gate)
        {
            return byGrain.TryGetValue(grain, out var list) ? list.ToArray() : [];
        }
    }

    /// <summary>The grains with operations not finished yet.</summary>
    public GrainId[] Grains()
    {
        lock (gate)
        {
            return byGrain.Keys.ToArray();
        }
    }

    /// <summary>
    /// Waits until the grain's operations in flight now have ended, or until the last of their deadlines. Returns the
    /// ones still unfinished then (none, normally).
    /// </summary>
    public async Task<Operation[]> WaitAsync(GrainId grain, TimeProvider time)
    {
        var pending = Of(grain);
        if (pending.Length == 0)
        {
            return pending;
        }
        var now = time.GetTimestamp();
        var deadline = pending.Max(operation => operation.DeadlineTimestamp);
        var limit = deadline > now ? time.GetElapsedTime(now, deadline) : TimeSpan.Zero;
        try
        {
            await Task.WhenAll(pending.Select(operation => operation.Completion)).WaitAsync(limit, time);
        }
        catch (TimeoutException)
        {
        }
        return pending.Where(operation => !operation.Completion.IsCompleted).ToArray();
    }

    /// <summary>One write or clear of one record.</summary>
    internal sealed class Operation(GrainId grain, string stateName, string kind, long deadlineTimestamp)
    {
        // Continuations run synchronously: queueing them to the thread pool would make a simulated run nondeterministic,
        // and the only waiter (an activation's start) resumes on its own scheduler anyway.
        private readonly TaskCompletionSource done = new();

        public GrainId Grain { get; } = grain;

        public string StateName { get; } = stateName;

        public string Kind { get; } = kind;

        /// <summary>When the provider will have ended it at the latest (a timestamp of the silo's clock).</summary>
        public long DeadlineTimestamp { get; } = deadlineTimestamp;

        /// <summary>Completes (successfully, whatever the operation's outcome) once the provider finished it.</summary>
        public Task Completion => done.Task;

        public void Finished() => done.TrySetResult();

        public override string ToString() => $"{Kind} of '{StateName}'";
    }
}
