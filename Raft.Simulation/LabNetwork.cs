namespace Raft.Simulation;

/// <summary>
/// A network modelled on the 6.5840 course's labrpc, between named endpoints (a peer, a client) that live on hosts:
/// calls within a host never cross the network, and connecting, disconnecting or partitioning is done to hosts.
/// - Disconnected caller or callee: the call fails with <see cref="LostMessageException"/> after a random wait (up to
///   7 s with long delays, 100 ms without), unless the caller's timeout fires first.
/// - Unreliable: every request waits 0–26 ms; 10% of requests are dropped before the handler runs and 10% of replies
///   after it ran. A request on its way still reaches a callee that was disconnected meanwhile (only the reply is lost).
/// - Long reordering: two thirds of replies arrive 200–2200 ms late (skewed short).
/// - Latency (not in labrpc, for simulations): a fixed delay on every request, and a seeded random extra on every
///   request and reply (<see cref="SimulatedNetworkOptions.LatencyJitter"/>).
/// - A callee that crashed, was restarted or was disconnected while handling: its reply never arrives, and the caller
///   learns so at once instead of waiting for the handler (labrpc checks every 100 ms).
/// Counters follow labrpc: per-endpoint RPCs that reached the handler, and total calls and bytes. Every random
/// choice comes from <see cref="SimulatedNetworkOptions.Seed"/>; every decision can be traced (<see cref="Trace"/>).
/// </summary>
public sealed class LabNetwork
{
    private readonly object gate = new();
    private readonly Random random;
    private readonly Random jitter;
    private readonly TimeProvider time;
    private readonly HashSet<string> disconnected = new(StringComparer.Ordinal);
    private readonly HashSet<(string, string)> blockedPairs = new();
    private readonly Dictionary<string, int> incarnations = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> receivedCounts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> sentCounts = new(StringComparer.Ordinal);
    private TaskCompletionSource linksCut = new();
    private long totalCount;
    private long totalBytes;

    public LabNetwork(SimulatedNetworkOptions? options = null, TimeProvider? time = null)
    {
        Options = options ?? new SimulatedNetworkOptions();
        random = new Random(Options.Seed);
        jitter = new Random(unchecked(Options.Seed * 7919 + 17));
        this.time = time ?? TimeProvider.System;
    }

    public SimulatedNetworkOptions Options { get; }

    public bool Reliable { get; set; } = true;

    public bool LongDelays { get; set; }

    public bool LongReordering { get; set; }

    /// <summary>Told the fate of every call that crosses the network (e.g. <see cref="SimulationLoop.Record"/>).</summary>
    public Action<string>? Trace { get; set; }

    /// <summary>Every call between hosts, including dropped ones.</summary>
    public long TotalCount => Interlocked.Read(ref totalCount);

    /// <summary>Request bytes of every call plus reply bytes of every delivered reply.</summary>
    public long TotalBytes => Interlocked.Read(ref totalBytes);

    /// <summary>Calls <paramref name="endpoint"/> made across the network (counted in <see cref="TotalCount"/>), dropped ones included.</summary>
    public long SentCount(string endpoint)
    {
        lock (gate)
        {
            return sentCounts.GetValueOrDefault(endpoint);
        }
    }

    /// <summary>RPCs that reached <paramref name="endpoint"/>'s handler.</summary>
    public long ReceivedCount(string endpoint)
    {
        lock (gate)
        {
            return receivedCounts.GetValueOrDefault(endpoint);
        }
    }

    public void Connect(string host)
    {
        lock (gate)
        {
            disconnected.Remove(host);
        }
    }

    public void Disconnect(string host)
    {
        lock (gate)
        {
            disconnected.Add(host);
        }
        CutLinks();
    }

    /// <summary><see cref="Connect"/> or <see cref="Disconnect"/>, as the tests' connect(i) and disconnect(i).</summary>
    public void SetConnected(string host, bool connected)
    {
        if (connected)
        {
            Connect(host);
        }
        else
        {
            Disconnect(host);
        }
    }

    public bool IsConnected(string host)
    {
        lock (gate)
        {
            return !disconnected.Contains(host);
        }
    }

    /// <summary>Splits the given hosts into groups that can talk only within themselves.</summary>
    public void Partition(params IReadOnlyCollection<string>[] groups)
    {
        lock (gate)
        {
            blockedPairs.Clear();
            foreach (var a in groups)
            {
                foreach (var b in groups)
                {
                    if (ReferenceEquals(a, b))
                    {
                        continue;
                    }
                    foreach (var x in a)
                    {
                        foreach (var y in b)
                        {
                            blockedPairs.Add((x, y));
                        }
                    }
                }
            }
        }
        CutLinks();
    }

    /// <summary>Removes every partition (disconnected hosts stay disconnected).</summary>
    public void Heal()
    {
        lock (gate)
        {
            blockedPairs.Clear();
        }
    }

    /// <summary>The endpoint crashed or restarted: replies of its earlier incarnations, and requests on their way to them, are lost.</summary>
    public void NewIncarnation(string endpoint)
    {
        lock (gate)
        {
            incarnations[endpoint] = incarnations.GetValueOrDefault(endpoint) + 1;
        }
        CutLinks();
    }

    public bool CanDeliver(string fromHost, string toHost)
    {
        if (fromHost == toHost)
        {
            return true;
        }
        lock (gate)
        {
            return !disconnected.Contains(fromHost) && !disconnected.Contains(toHost) && !blockedPairs.Contains((fromHost, toHost));
        }
    }

    /// <summary>
    /// One call from <paramref name="source"/> (on <paramref name="sourceHost"/>) to <paramref name="target"/> (on
    /// <paramref name="targetHost"/>): decides its fate, runs <paramref name="invoke"/> (the handler) if the request
    /// arrives, and completes when the reply arrives or throws <see cref="LostMessageException"/> when it does not.
    /// <paramref name="replyBytes"/> is asked after the handler ran.
    /// </summary>
    public async Task CallAsync(
        string source, string sourceHost, string target, string targetHost, string method,
        long requestBytes, Func<Task> invoke, Func<long> replyBytes)
    {
        if (sourceHost == targetHost)
        {
            await invoke();
            return;
        }
        var call = Trace is null ? "" : $"{source} -> {target} {method}";
        Interlocked.Increment(ref totalCount);
        Interlocked.Add(ref totalBytes, requestBytes);
        lock (gate)
        {
            sentCounts[source] = sentCounts.GetValueOrDefault(source) + 1;
        }
        if (!CanDeliver(sourceHost, targetHost))
        {
            var max = LongDelays ? Options.LongDelayMax : Options.ShortDelayMax;
            var wait = NextDelay(max);
            Trace?.Invoke($"net {call}: not connected, fails after {wait.TotalMilliseconds} ms");
            await Task.Delay(wait, time);
            throw new LostMessageException($"{source} -> {target}: not connected.");
        }
        var latency = Options.Latency + NextJitter();
        if (!Reliable || latency > TimeSpan.Zero)
        {
            var delay = latency + (Reliable ? TimeSpan.Zero : NextDelay(Options.UnreliableMaxDelay));
            var drop = !Reliable && NextDouble() < Options.RequestDropRate;
            Trace?.Invoke($"net {call}: request {(drop ? "dropped" : "delivered")} after {delay.TotalMilliseconds} ms");
            var sentTo = Incarnation(target);
            await DelayExactlyAsync(delay);
            if (drop)
            {
                throw new LostMessageException($"{source} -> {target}: request dropped.");
            }
            // The request arrives only now. A target that crashed meanwhile never sees it (labrpc hands it to the crashed
            // server's old instance, which ignores it; delivering it would start a crashed peer again). A target that was
            // only disconnected meanwhile handles it, as in labrpc, which decided the route when the request left; the
            // reply is then lost (below).
            if (Incarnation(target) != sentTo)
            {
                Trace?.Invoke($"net {call}: request lost, the target crashed while it was on its way");
                throw new LostMessageException($"{source} -> {target}: request lost (the callee crashed while it was on its way).");
            }
        }
        else
        {
            Trace?.Invoke($"net {call}: request delivered");
        }
        var incarnation = Incarnation(target);
        lock (gate)
        {
            receivedCounts[target] = receivedCounts.GetValueOrDefault(target) + 1;
        }
        var handler = HandleAsync(invoke, call);
        while (!handler.IsCompleted)
        {
            // labrpc stops waiting for a handler whose callee was disconnected or killed (it checks every 100 ms). The
            // signal is taken before the check, so that a cut between the two still wakes the wait.
            var cut = LinksCut;
            if (!CanDeliver(sourceHost, targetHost) || Incarnation(target) != incarnation)
            {
                _ = handler.ContinueWith(static done => _ = done.Exception, CancellationToken.None,
                    TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                Trace?.Invoke($"net {call}: reply lost, the callee was cut off while handling");
                throw new LostMessageException($"{target} -> {source}: reply lost (the callee crashed or was disconnected while handling).");
            }
            await Task.WhenAny(handler, cut);
        }
        await handler;
        if (!CanDeliver(sourceHost, targetHost) || Incarnation(target) != incarnation)
        {
            Trace?.Invoke($"net {call}: reply lost");
            throw new LostMessageException($"{target} -> {source}: reply lost (the callee crashed or was disconnected).");
        }
        if (!Reliable && NextDouble() < Options.ReplyDropRate)
        {
            Trace?.Invoke($"net {call}: reply dropped");
            throw new LostMessageException($"{target} -> {source}: reply dropped.");
        }
        if (LongReordering && NextDouble() < Options.ReorderRate)
        {
            // labrpc: 200 ms + rand(0, rand(0, 2000)) ms, skewed towards short extra delays.
            var extra = NextDelay(NextDelay(Options.ReorderMaxExtra));
            Trace?.Invoke($"net {call}: reply delayed {200 + extra.TotalMilliseconds} ms");
            await Task.Delay(TimeSpan.FromMilliseconds(200) + extra, time);
        }
        else if (NextJitter() is var replyLatency && replyLatency > TimeSpan.Zero)
        {
            Trace?.Invoke($"net {call}: reply delivered after {replyLatency.TotalMilliseconds} ms");
            await DelayExactlyAsync(replyLatency);
        }
        else
        {
            Trace?.Invoke($"net {call}: reply delivered");
        }
        Interlocked.Add(ref totalBytes, replyBytes());
    }

    private async Task HandleAsync(Func<Task> invoke, string call)
    {
        try
        {
            await invoke();
        }
        catch (Exception exception) when (Traced($"net {call}: failed with {exception.GetType().Name}"))
        {
            throw; // not reached: Traced returns false
        }
    }

    /// <summary>Completes at the next disconnect, partition or crash: calls whose handler runs check whether they were cut off.</summary>
    private Task LinksCut
    {
        get
        {
            lock (gate)
            {
                return linksCut.Task;
            }
        }
    }

    private void CutLinks()
    {
        TaskCompletionSource cut;
        lock (gate)
        {
            cut = linksCut;
            linksCut = new TaskCompletionSource();
        }
        cut.TrySetResult();
    }

    private int Incarnation(string endpoint)
    {
        lock (gate)
        {
            return incarnations.GetValueOrDefault(endpoint);
        }
    }

    private bool Traced(string @event)
    {
        Trace?.Invoke(@event);
        return false;
    }

    private TimeSpan NextDelay(TimeSpan max)
    {
        if (max <= TimeSpan.Zero)
        {
            return TimeSpan.Zero;
        }
        lock (gate)
        {
            return TimeSpan.FromMilliseconds(random.Next((int)max.TotalMilliseconds + 1));
        }
    }

    /// <summary>Waits <paramref name="delay"/> to the tick: Task.Delay rounds a delay down to whole milliseconds, which would drop the jitter.</summary>
    private async Task DelayExactlyAsync(TimeSpan delay)
    {
        if (delay <= TimeSpan.Zero)
        {
            return;
        }
        var elapsed = new TaskCompletionSource();
        using var timer = time.CreateTimer(static state => ((TaskCompletionSource)state!).TrySetResult(), elapsed, delay, Timeout.InfiniteTimeSpan);
        await elapsed.Task;
    }

    private TimeSpan NextJitter()
    {
        if (Options.LatencyJitter <= TimeSpan.Zero)
        {
            return TimeSpan.Zero;
        }
        lock (gate)
        {
            return TimeSpan.FromTicks(jitter.NextInt64(Options.LatencyJitter.Ticks + 1));
        }
    }

    private double NextDouble()
    {
        lock (gate)
        {
            return random.NextDouble();
        }
    }
}
