using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Raft.Simulation;

/// <summary>
/// A deterministic simulation: one ready queue and one virtual clock, driven by one thread (the one calling
/// <see cref="Run{T}"/>). It is at once
/// - where work items are posted (<see cref="Post"/>: a grain runtime's activation drains, say),
/// - a <see cref="TimeProvider"/> whose time moves only when nothing is ready: then it jumps to the earliest
///   armed timer (ordered by due time, then by the order timers were armed) and fires it, and
/// - a <see cref="TaskScheduler"/> (<see cref="Scheduler"/>) for code outside grains: the test body, cluster
///   operations, timer callbacks.
/// Ready work runs first in, first out. With the same inputs (seeds, scenario) a run processes the same events in
/// the same order; every event goes into a running 64-bit hash (<see cref="TraceHash"/>) so that two runs can be
/// compared cheaply, and the last events are kept readable (<see cref="RecentTrace"/>) for failure messages.
/// Work queued from another OS thread while the loop runs means nondeterminism leaked in (Task.Run, a timer or
/// Task.Delay on the system clock, real I/O): it is counted and reported, and fails the run.
/// </summary>
public sealed class SimulationLoop : TimeProvider
{
    private const ulong FnvOffset = 14695981039346656037UL;
    private const ulong FnvPrime = 1099511628211UL;

    private readonly object gate = new();
    private readonly Queue<ReadyItem> ready = new();
    private readonly PriorityQueue<VirtualTimer, (long Due, long Sequence)> timers = new();
    private readonly List<(string Name, Func<string?> Describe)> diagnostics = new();
    private readonly TraceEntry[] recent;
    private readonly DateTimeOffset epoch;
    private readonly LoopScheduler scheduler;
    private long now;
    private long timerSequence;
    private int armedTimers;
    private ulong hash = FnvOffset;
    private long eventCount;
    private int recentNext;
    private Thread? loopThread;
    private bool running;
    private int inlineDepth;
    private int foreignCount;
    private string? firstForeign;

    /// <param name="start">The virtual wall-clock time at virtual timestamp zero (default 2026-01-01 UTC).</param>
    /// <param name="traceCapacity">How many of the last events <see cref="RecentTrace"/> keeps.</param>
    public SimulationLoop(DateTimeOffset? start = null, int traceCapacity = 256)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(traceCapacity);
        epoch = start ?? new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        recent = new TraceEntry[traceCapacity];
        scheduler = new LoopScheduler(this);
    }

    /// <summary>
    /// How many events may run without virtual time moving before <see cref="Run{T}"/> fails with
    /// <see cref="SimulationLivelockException"/>: code that polls without awaiting a delay (e.g. a retry loop around calls
    /// that answer at once) never lets the clock advance, so the run would otherwise hang in wall time.
    /// </summary>
    public long MaxEventsPerInstant { get; init; } = 200_000;

    /// <summary>Runs tasks on the loop: the test body and anything else outside grains.</summary>
    public TaskScheduler Scheduler => scheduler;

    /// <summary>Virtual time since the simulation started.</summary>
    public TimeSpan Elapsed => TimeSpan.FromTicks(Volatile.Read(ref now));

    /// <summary>A hash of every event processed so far: equal hashes mean (with overwhelming likelihood) equal runs.</summary>
    public ulong TraceHash
    {
        get
        {
            lock (gate)
            {
                return hash;
            }
        }
    }

    public long EventCount => Interlocked.Read(ref eventCount);

    /// <summary>How many times work, timers or trace records came from a thread other than the loop's while it ran.</summary>
    public int ForeignThreadCount => Volatile.Read(ref foreignCount);

    /// <summary>Where the first such call came from (thread and stack trace), or null.</summary>
    public string? FirstForeignThreadUse => Volatile.Read(ref firstForeign);

    /// <summary>Timers that are armed (will fire unless changed or disposed).</summary>
    public int ArmedTimerCount
    {
        get
        {
            lock (gate)
            {
                return armedTimers;
            }
        }
    }

    /// <summary>The last events, oldest first, as "+seconds kind identity".</summary>
    public IReadOnlyList<string> RecentTrace
    {
        get
        {
            lock (gate)
            {
                var count = (int)Math.Min(eventCount, recent.Length);
                var lines = new string[count];
                for (var i = 0; i < count; i++)
                {
                    lines[i] = recent[(recentNext - count + i + recent.Length) % recent.Length].ToString();
                }
                return lines;
            }
        }
    }

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => Volatile.Read(ref now);

    public override DateTimeOffset GetUtcNow() => epoch + TimeSpan.FromTicks(Volatile.Read(ref now));

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    /// <summary>
    /// Adds something to the trace (and its hash) at the current virtual time, e.g. the fate of a network call.
    /// Must be called from simulated code, i.e. on the loop's thread.
    /// </summary>
    public void Record(string @event)
    {
        ArgumentNullException.ThrowIfNull(@event);
        CheckThread("Record");
        AddEvent(EventKind.Record, @event);
    }

    /// <summary>
    /// Registers a description of what may be waiting (pending calls, busy activations) for the message of a
    /// stalled simulation. Dispose the result to remove it.
    /// </summary>
    public IDisposable AddStallDiagnostic(string name, Func<string?> describe)
    {
        var entry = (name, describe);
        lock (gate)
        {
            diagnostics.Add(entry);
        }
        return new Unregister(this, entry);
    }

    /// <summary>
    /// Starts <paramref name="main"/> on the loop and processes events until it completes. Fails with
    /// <see cref="SimulationStalledException"/> when nothing can run any more, with <see cref="TimeoutException"/>
    /// when the next event lies beyond <paramref name="maxVirtualTime"/> from now, and with
    /// <see cref="SimulationNondeterminismException"/> when work came from another thread.
    /// </summary>
    public T Run<T>(Func<Task<T>> main, TimeSpan maxVirtualTime)
    {
        ArgumentNullException.ThrowIfNull(main);
        var task = Drive(() => Task.Factory.StartNew(main, CancellationToken.None, TaskCreationOptions.DenyChildAttach, scheduler).Unwrap(), maxVirtualTime);
        return ((Task<T>)task).GetAwaiter().GetResult();
    }

    /// <inheritdoc cref="Run{T}"/>
    public void Run(Func<Task> main, TimeSpan maxVirtualTime)
    {
        ArgumentNullException.ThrowIfNull(main);
        // Drive returns the completed main task; its failure is the run's failure.
        Drive(() => Task.Factory.StartNew(main, CancellationToken.None, TaskCreationOptions.DenyChildAttach, scheduler).Unwrap(), maxVirtualTime)
            .GetAwaiter().GetResult();
    }

    private Task Drive(Func<Task> start, TimeSpan maxVirtualTime)
    {
        if (maxVirtualTime < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(maxVirtualTime));
        }
        lock (gate)
        {
            if (running)
            {
                throw new InvalidOperationException("The simulation loop is already running; Run cannot be nested.");
            }
            running = true;
            loopThread = Thread.CurrentThread;
        }
        var deadline = maxVirtualTime.Ticks > long.MaxValue - now ? long.MaxValue : now + maxVirtualTime.Ticks;
        var previousContext = SynchronizationContext.Current;
        // Awaits must come back to the loop's own schedulers, never to a context of the test framework.
        SynchronizationContext.SetSynchronizationContext(null);
        var instant = now;
        var eventsThisInstant = 0L;
        try
        {
            var main = start();
            while (!main.IsCompleted)
            {
                // Work that keeps queueing work without ever waiting on a timer would spin forever at one virtual instant.
                if (now != instant)
                {
                    instant = now;
                    eventsThisInstant = 0;
                }
                else if (++eventsThisInstant > MaxEventsPerInstant)
                {
                    throw Livelocked(main);
                }
                if (TryDequeue(out var item))
                {
                    Execute(item);
                    continue;
                }
                switch (TryTakeTimer(deadline, out var timer, out var due))
                {
                    case NextTimer.Due:
                        Fire(timer);
                        continue;
                    case NextTimer.BeyondDeadline:
                        throw new TimeoutException(
                            $"The simulation ran out of virtual time at {Format(now)}: the main task is still {main.Status}, and the next timer " +
                            $"({timer.Identity}) is due at {Format(due)}, more than {maxVirtualTime} after this run started.{Environment.NewLine}" +
                            DescribeWaiting() + RecentTraceText());
                    default:
                        throw Stalled(main);
                }
            }
            if (ForeignThreadCount > 0)
            {
                throw new SimulationNondeterminismException(
                    $"{ForeignThreadCount} time(s) work, timers or trace records came from a thread other than the simulation loop's; " +
                    $"the run is not deterministic. First: {FirstForeignThreadUse}");
            }
            return main;
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previousContext);
            lock (gate)
            {
                running = false;
                loopThread = null;
            }
        }
    }

    /// <summary>Queues a work item to run on the loop, after the work already ready.</summary>
    public void Post(IThreadPoolWorkItem workItem)
    {
        ArgumentNullException.ThrowIfNull(workItem);
        CheckThread("Post");
        lock (gate)
        {
            ready.Enqueue(new ReadyItem(workItem, null));
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        CheckThread("CreateTimer");
        var timer = new VirtualTimer(this, callback, state, ExecutionContext.Capture(), Describe(state));
        lock (gate)
        {
            ChangeLocked(timer, dueTime, period);
        }
        return timer;
    }

    private static string Describe(object? state) => state switch
    {
        null => "timer",
        // Our own types describe themselves (which grain, which call); others only by type: their ToString
        // may carry process-wide counters such as Task ids.
        _ when state.GetType().Assembly.FullName?.StartsWith("Raft.", StringComparison.Ordinal) == true => state.ToString() ?? "timer",
        _ => state.GetType().Name,
    };

    private void QueueTask(Task task)
    {
        CheckThread("TaskScheduler.QueueTask");
        lock (gate)
        {
            ready.Enqueue(new ReadyItem(null, task));
        }
    }

    private bool TryDequeue(out ReadyItem item)
    {
        lock (gate)
        {
            return ready.TryDequeue(out item);
        }
    }

    private void Execute(ReadyItem item)
    {
        if (item.Work is { } work)
        {
            AddEvent(EventKind.Run, work.ToString() ?? work.GetType().Name);
            work.Execute();
            return;
        }
        AddEvent(EventKind.Task, "task");
        inlineDepth++;
        try
        {
            scheduler.Execute(item.Task!);
        }
        finally
        {
            inlineDepth--;
        }
    }

    private NextTimer TryTakeTimer(long deadline, out VirtualTimer timer, out long due)
    {
        lock (gate)
        {
            while (timers.TryPeek(out timer!, out var key))
            {
                due = key.Due;
                if (timer.ArmedSequence != key.Sequence)
                {
                    timers.Dequeue(); // changed or disposed since it was queued
                    continue;
                }
                if (key.Due > deadline)
                {
                    return NextTimer.BeyondDeadline;
                }
                timers.Dequeue();
                if (key.Due > now)
                {
                    Volatile.Write(ref now, key.Due);
                }
                if (timer.Period > 0)
                {
                    ArmLocked(timer, key.Due + timer.Period);
                }
                else
                {
                    timer.ArmedSequence = 0;
                    armedTimers--;
                }
                return NextTimer.Due;
            }
            due = 0;
            return NextTimer.None;
        }
    }

    private void Fire(VirtualTimer timer)
    {
        AddEvent(EventKind.Fire, timer.Identity);
        // The callback runs as a task of the loop's scheduler, so that whatever it starts or awaits stays on the loop.
        var task = new Task(static t => ((VirtualTimer)t!).Invoke(), timer, CancellationToken.None, TaskCreationOptions.DenyChildAttach);
        inlineDepth++;
        try
        {
            task.RunSynchronously(scheduler);
        }
        finally
        {
            inlineDepth--;
        }
        if (task.Exception is { } exception)
        {
            throw new SimulationException($"The callback of timer {timer.Identity} threw at {Format(now)}.", exception.InnerException ?? exception);
        }
    }

    // Caller holds the gate.
    private bool ChangeLocked(VirtualTimer timer, TimeSpan dueTime, TimeSpan period)
    {
        if (timer.Disposed)
        {
            return false;
        }
        if (dueTime < TimeSpan.Zero && dueTime != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(dueTime));
        }
        if (period < TimeSpan.Zero && period != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(period));
        }
        DisarmLocked(timer);
        timer.Period = period == Timeout.InfiniteTimeSpan ? 0 : period.Ticks;
        if (dueTime != Timeout.InfiniteTimeSpan)
        {
            ArmLocked(timer, now + dueTime.Ticks);
        }
        return true;
    }

    private void ArmLocked(VirtualTimer timer, long due)
    {
        if (timer.ArmedSequence == 0)
        {
            armedTimers++;
        }
        var sequence = ++timerSequence;
        timer.ArmedSequence = sequence;
        timers.Enqueue(timer, (due, sequence));
    }

    private void DisarmLocked(VirtualTimer timer)
    {
        if (timer.ArmedSequence != 0)
        {
            timer.ArmedSequence = 0;
            armedTimers--;
        }
    }

    private void CheckThread(string what)
    {
        Thread? owner;
        lock (gate)
        {
            if (!running)
            {
                return;
            }
            owner = loopThread;
        }
        if (owner == Thread.CurrentThread)
        {
            return;
        }
        if (Interlocked.Increment(ref foreignCount) == 1)
        {
            var thread = Thread.CurrentThread;
            Volatile.Write(ref firstForeign,
                $"{what} on thread {thread.ManagedThreadId} ({(thread.IsThreadPoolThread ? "thread pool" : thread.Name ?? "unnamed")}) " +
                $"at virtual time {Format(now)}:{Environment.NewLine}{new StackTrace(1, false)}");
        }
    }

    private void AddEvent(EventKind kind, string identity)
    {
        lock (gate)
        {
            var h = hash;
            h = Mix(h, (ulong)now);
            h = (h ^ (byte)kind) * FnvPrime;
            foreach (var c in identity)
            {
                h = (h ^ (byte)c) * FnvPrime;
                h = (h ^ (byte)(c >> 8)) * FnvPrime;
            }
            hash = (h ^ 0xFF) * FnvPrime; // end of event
            eventCount++;
            if (recent.Length > 0)
            {
                recent[recentNext] = new TraceEntry(now, kind, identity);
                recentNext = (recentNext + 1) % recent.Length;
            }
        }
    }

    private static ulong Mix(ulong h, ulong value)
    {
        for (var i = 0; i < 8; i++)
        {
            h = (h ^ (byte)(value >> (8 * i))) * FnvPrime;
        }
        return h;
    }

    private SimulationLivelockException Livelocked(Task main)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture,
            $"Simulation livelocked at virtual time {Format(now)}: {MaxEventsPerInstant} events ran without the clock moving and the main task is still {main.Status}. ");
        text.AppendLine("Something loops without awaiting a delay on the loop's TimeProvider, so virtual time can never pass.");
        text.Append(DescribeWaiting());
        text.Append(RecentTraceText());
        return new SimulationLivelockException(text.ToString());
    }

    private SimulationStalledException Stalled(Task main)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture,
            $"Simulation stalled at virtual time {Format(now)} after {EventCount} events: the main task is still {main.Status}, ");
        text.AppendLine("but no work is ready and no timer is armed, so nothing can ever run again.");
        text.Append(DescribeWaiting());
        if (ForeignThreadCount > 0)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"Work came from other threads {ForeignThreadCount} time(s); first: {FirstForeignThreadUse}");
        }
        text.AppendLine("Typical causes: a TaskCompletionSource nobody completes; Task.Delay, timers or WaitAsync on the system clock " +
            "instead of the loop's TimeProvider; Task.Run, ConfigureAwait(false) or real I/O (their continuations leave the loop).");
        text.Append(RecentTraceText());
        return new SimulationStalledException(text.ToString());
    }

    /// <summary>"Waiting:" and what the registered diagnostics describe, one line each.</summary>
    private string DescribeWaiting()
    {
        var text = new StringBuilder();
        text.AppendLine("Waiting:");
        (string Name, Func<string?> Describe)[] providers;
        lock (gate)
        {
            providers = diagnostics.ToArray();
        }
        var any = false;
        foreach (var (name, describe) in providers)
        {
            string? description;
            try
            {
                description = describe();
            }
            catch (Exception exception)
            {
                description = $"(could not describe: {exception.Message})";
            }
            if (!string.IsNullOrWhiteSpace(description))
            {
                any = true;
                text.Append("  ").Append(name).Append(": ").AppendLine(description.TrimEnd().Replace("\n", "\n    ", StringComparison.Ordinal));
            }
        }
        if (!any)
        {
            text.AppendLine("  nothing the cluster knows of (no pending grain call, no busy activation): the main task awaits something outside the runtime.");
        }
        return text.ToString();
    }

    private string RecentTraceText()
    {
        var lines = RecentTrace;
        if (lines.Count == 0)
        {
            return "";
        }
        var show = lines.Skip(Math.Max(0, lines.Count - 40)).ToArray();
        return $"Last {show.Length} events:{Environment.NewLine}  " + string.Join(Environment.NewLine + "  ", show);
    }

    private static string Format(long ticks) => "+" + TimeSpan.FromTicks(ticks).TotalSeconds.ToString("0.000000", CultureInfo.InvariantCulture) + "s";

    private enum NextTimer
    {
        None,
        Due,
        BeyondDeadline,
    }

    private enum EventKind : byte
    {
        Run = 1,
        Task = 2,
        Fire = 3,
        Record = 4,
    }

    private readonly record struct ReadyItem(IThreadPoolWorkItem? Work, Task? Task);

    private readonly record struct TraceEntry(long Time, EventKind Kind, string Identity)
    {
        public override string ToString() => $"{Format(Time)} {Kind.ToString().ToLowerInvariant()} {Identity}";
    }

    private sealed class Unregister(SimulationLoop loop, (string, Func<string?>) entry) : IDisposable
    {
        public void Dispose()
        {
            lock (loop.gate)
            {
                loop.diagnostics.Remove(entry);
            }
        }
    }

    private sealed class LoopScheduler(SimulationLoop loop) : TaskScheduler
    {
        public override int MaximumConcurrencyLevel => 1;

        public void Execute(Task task) => TryExecuteTask(task);

        protected override void QueueTask(Task task) => loop.QueueTask(task);

        // Inline only inside the loop's own task or timer callback on the loop's thread: the same decision every run.
        protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) =>
            loop.inlineDepth > 0 && Thread.CurrentThread == loop.loopThread && TryExecuteTask(task);

        protected override IEnumerable<Task> GetScheduledTasks()
        {
            lock (loop.gate)
            {
                return loop.ready.Where(r => r.Task is not null).Select(r => r.Task!).ToArray();
            }
        }
    }

    private sealed class VirtualTimer : ITimer
    {
        private readonly SimulationLoop loop;
        private readonly TimerCallback callback;
        private readonly object? state;
        private readonly ExecutionContext? context;

        public VirtualTimer(SimulationLoop loop, TimerCallback callback, object? state, ExecutionContext? context, string identity)
        {
            this.loop = loop;
            this.callback = callback;
            this.state = state;
            this.context = context;
            Identity = identity;
        }

        public string Identity { get; }

        /// <summary>The sequence of the queue entry that is current; 0 when not armed.</summary>
        public long ArmedSequence { get; set; }

        /// <summary>Period in ticks; 0 for a one-shot timer.</summary>
        public long Period { get; set; }

        public bool Disposed { get; private set; }

        public void Invoke()
        {
            if (context is null)
            {
                callback(state);
            }
            else
            {
                ExecutionContext.Run(context, static s =>
                {
                    var timer = (VirtualTimer)s!;
                    timer.callback(timer.state);
                }, this);
            }
        }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            loop.CheckThread("ITimer.Change");
            lock (loop.gate)
            {
                return loop.ChangeLocked(this, dueTime, period);
            }
        }

        public void Dispose()
        {
            loop.CheckThread("ITimer.Dispose");
            lock (loop.gate)
            {
                Disposed = true;
                loop.DisarmLocked(this);
            }
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}

/// <summary>The simulation failed: a timer callback threw, or the run could not be completed.</summary>
public class SimulationException : Exception
{
    public SimulationException(string message)
        : base(message)
    {
    }

    public SimulationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>Nothing can run any more while the main task is incomplete: it waits for something that never happens.</summary>
public sealed class SimulationStalledException(string message) : SimulationException(message);

/// <summary>Work keeps running while virtual time stands still: some loop never awaits a delay.</summary>
public sealed class SimulationLivelockException(string message) : SimulationException(message);

/// <summary>Work reached the loop from another thread: the run is not deterministic.</summary>
public sealed class SimulationNondeterminismException(string message) : SimulationException(message);
