using System.Collections.Concurrent;
using Raft.Runtime;

namespace Raft.TestingHost;

/// <summary>
/// A network between grains modelled on the 6.5840 course's labrpc, applied as an outgoing call filter to
/// every call from one grain to another (calls from outside any grain, such as a test's, pass untouched).
/// - Disconnected caller or callee: the call fails with <see cref="MessageLostException"/> after a random
///   wait (up to 7 s with long delays, 100 ms without), unless the caller's timeout fires first.
/// - Unreliable: every request waits 0–26 ms; 10% of requests are dropped before the handler runs and 10% of
///   replies after it ran.
/// - Long reordering: two thirds of replies arrive 200–2200 ms late (skewed short).
/// - A callee that crashed, was restarted or was disconnected while handling: its reply never arrives.
/// Counters follow labrpc: per-grain RPCs that reached the grain, and total calls and bytes.
/// Grains can share a host (<see cref="HostOf"/>): calls within a host never cross the network, and
/// connecting or disconnecting a grain does it to its host. Calls from outside any grain can take part as a
/// named client (<see cref="AsClient"/>), so that tests can partition clients too.
/// </summary>
public sealed class SimulatedNetwork : IOutgoingGrainCallFilter
{
    private readonly object gate = new();
    private readonly Random random;
    private readonly TimeProvider time;
    private static readonly AsyncLocal<GrainId?> CurrentClient = new();
    private readonly HashSet<string> disconnected = new();
    private readonly HashSet<(string, string)> blockedPairs = new();
    private readonly ConcurrentDictionary<GrainId, int> incarnations = new();
    private readonly ConcurrentDictionary<GrainId, long> receivedCounts = new();
    private readonly ConcurrentDictionary<GrainId, long> sentCounts = new();
    private long totalCount;
    private long totalBytes;

    public SimulatedNetwork(SimulatedNetworkOptions? options = null, TimeProvider? time = null)
    {
        Options = options ?? new SimulatedNetworkOptions();
        random = new Random(Options.Seed);
        this.time = time ?? TimeProvider.System;
    }

    public SimulatedNetworkOptions Options { get; }

    public bool Reliable { get; set; } = true;

    public bool LongDelays { get; set; }

    public bool LongReordering { get; set; }

    /// <summary>
    /// Told the fate of every call that crosses the network (source, target, method; delivered, dropped, delayed),
    /// e.g. <see cref="Simulation.SimulationLoop.Record"/> so that a simulation's trace hash covers the network.
    /// </summary>
    public Action<string>? Trace { get; set; }

    /// <summary>Which host a grain runs on; by default every grain is a host of its own.</summary>
    public Func<GrainId, string> HostOf { get; set; } = static grain => grain.ToString();

    /// <summary>
    /// Calls made from outside any grain inside this scope come from the client <paramref name="name"/>
    /// (grain id "client/{name}") and obey the network like grain calls.
    /// </summary>
    public static IDisposable AsClient(string name)
    {
        var previous = CurrentClient.Value;
        CurrentClient.Value = new GrainId("client", name);
        return new ClientScope(previous);
    }

    private sealed class ClientScope(GrainId? previous) : IDisposable
    {
        public void Dispose() => CurrentClient.Value = previous;
    }

    /// <summary>Every call between grains, including dropped ones.</summary>
    public long TotalCount => Interlocked.Read(ref totalCount);

    /// <summary>Request bytes of every call plus reply bytes of every delivered reply.</summary>
    public long TotalBytes => Interlocked.Read(ref totalBytes);

    /// <summary>Calls <paramref name="grain"/> made across the network (counted in <see cref="TotalCount"/>), dropped ones included.</summary>
    public long SentCount(GrainId grain) => sentCounts.TryGetValue(grain, out var count) ? count : 0;

    /// <summary>RPCs that reached <paramref name="grain"/>'s handler.</summary>
    public long ReceivedCount(GrainId grain) => receivedCounts.TryGetValue(grain, out var count) ? count : 0;

    public void Connect(GrainId grain)
    {
        lock (gate)
        {
            disconnected.Remove(HostOf(grain));
        }
    }

    public void Disconnect(GrainId grain)
    {
        lock (gate)
        {
            disconnected.Add(HostOf(grain));
        }
    }

    public bool IsConnected(GrainId grain)
    {
        lock (gate)
        {
            return !disconnected.Contains(HostOf(grain));
        }
    }

    /// <summary>Splits the given grains into groups that can talk only within themselves.</summary>
    public void Partition(params IReadOnlyCollection<GrainId>[] groups)
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
                            blockedPairs.Add((HostOf(x), HostOf(y)));
                        }
                    }
                }
            }
        }
    }

    /// <summary>Removes every partition (disconnected grains stay disconnected).</summary>
    public void Heal()
    {
        lock (gate)
        {
            blockedPairs.Clear();
        }
    }

    /// <summary>Called by the cluster when a grain crashes or restarts: replies from earlier incarnations are lost.</summary>
    internal void NewIncarnation(GrainId grain) => incarnations.AddOrUpdate(grain, 1, static (_, n) => n + 1);

    public bool CanDeliver(GrainId from, GrainId to)
    {
        var fromHost = HostOf(from);
        var toHost = HostOf(to);
        if (fromHost == toHost)
        {
            return true;
        }
        lock (gate)
        {
            return !disconnected.Contains(fromHost) && !disconnected.Contains(toHost) && !blockedPairs.Contains((fromHost, toHost));
        }
    }

    public async Task Invoke(IOutgoingGrainCallContext context)
    {
        if ((context.SourceId ?? CurrentClient.Value) is not { } source || HostOf(source) == HostOf(context.TargetId))
        {
            await context.Invoke();
            return;
        }
        var target = context.TargetId;
        var call = Trace is null ? "" : $"{source} -> {target} {context.MethodName}";
        Interlocked.Increment(ref totalCount);
        sentCounts.AddOrUpdate(source, 1, static (_, n) => n + 1);
        Interlocked.Add(ref totalBytes, context.RequestSize);
        if (!CanDeliver(source, target))
        {
            var max = LongDelays ? Options.LongDelayMax : Options.ShortDelayMax;
            var wait = NextDelay(max);
            Trace?.Invoke($"net {call}: not connected, fails after {wait.TotalMilliseconds} ms");
            await Task.Delay(wait, time);
            throw new MessageLostException($"{source} -> {target}: not connected.");
        }
        if (!Reliable || Options.Latency > TimeSpan.Zero)
        {
            var delay = Options.Latency + (Reliable ? TimeSpan.Zero : NextDelay(Options.UnreliableMaxDelay));
            var drop = !Reliable && NextDouble() < Options.RequestDropRate;
            Trace?.Invoke($"net {call}: request {(drop ? "dropped" : "delivered")} after {delay.TotalMilliseconds} ms");
            var sentTo = incarnations.GetValueOrDefault(target);
            await Task.Delay(delay, time);
            if (drop)
            {
                throw new MessageLostException($"{source} -> {target}: request dropped.");
            }
            // The request arrives only now: a target disconnected or crashed meanwhile never sees it (labrpc hands it to
            // the crashed server's old instance, which ignores it). Delivering it would activate a crashed grain again.
            if (!CanDeliver(source, target) || incarnations.GetValueOrDefault(target) != sentTo)
            {
                Trace?.Invoke($"net {call}: request lost, the target was disconnected or crashed while it was on its way");
                throw new MessageLostException($"{source} -> {target}: request lost (the callee was disconnected or crashed while it was on its way).");
            }
        }
        else
        {
            Trace?.Invoke($"net {call}: request delivered");
        }
        var incarnation = incarnations.GetValueOrDefault(target);
        receivedCounts.AddOrUpdate(target, 1, static (_, n) => n + 1);
        try
        {
            await context.Invoke();
        }
        catch (Exception exception) when (Traced($"net {call}: failed with {exception.GetType().Name}"))
        {
            throw; // not reached: Traced returns false
        }
        if (!CanDeliver(source, target) || incarnations.GetValueOrDefault(target) != incarnation)
        {
            Trace?.Invoke($"net {call}: reply lost");
            throw new MessageLostException($"{target} -> {source}: reply lost (the callee crashed or was disconnected).");
        }
        if (!Reliable && NextDouble() < Options.ReplyDropRate)
        {
            Trace?.Invoke($"net {call}: reply dropped");
            throw new MessageLostException($"{target} -> {source}: reply dropped.");
        }
        if (LongReordering && NextDouble() < Options.ReorderRate)
        {
            // labrpc: 200 ms + rand(0, rand(0, 2000)) ms, skewed towards short extra delays.
            var extra = NextDelay(NextDelay(Options.ReorderMaxExtra));
            Trace?.Invoke($"net {call}: reply delayed {200 + extra.TotalMilliseconds} ms");
            await Task.Delay(TimeSpan.FromMilliseconds(200) + extra, time);
        }
        else
        {
            Trace?.Invoke($"net {call}: reply delivered");
        }
        Interlocked.Add(ref totalBytes, context.ResponseSize);
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

    private double NextDouble()
    {
        lock (gate)
        {
            return random.NextDouble();
        }
    }
}
