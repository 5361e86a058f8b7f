using Microsoft.Extensions.Logging;
using Raft.Grains;
using Raft.Grains.Interfaces;
using Raft.Grains.KeyValue;

using Raft.Simulation.Linearizability;

namespace Raft.Simulation.Explorer;

/// <summary>
/// The body of one exploration, run on the simulation loop: deploy the key-value service on a Raft group, run the
/// clients while the schedule's faults hit, heal everything, optionally crash every peer, check that the group
/// elects a leader and commits a new write in bounded virtual time, read every key back, and collect the safety
/// checks' findings. The history is checked for linearizability afterwards, off the loop.
/// </summary>
internal sealed class ExplorationRun
{
    /// <summary>After healing: time to elect a leader, and then time to commit a new write.</summary>
    public static readonly TimeSpan LivenessBound = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Every request between hosts takes 1–2 ms and every reply up to 1 ms (a seeded random part, to the tick), about an
    /// in-process grain call. Without it every message arrived in the instant it was sent: most operations of a history
    /// were zero-length, and a return tied with another client's next call, which the checker takes as overlapping
    /// (review finding 16).
    /// </summary>
    public static readonly TimeSpan MessageLatency = TimeSpan.FromMilliseconds(1);

    private static readonly string[] AppendKeys = ["a0", "a1", "a2"];

    /// <summary>The append-only key the scripted scenarios' pinned clients append to (checked like the others).</summary>
    public const string PinnedAppendKey = "a2";
    private const string MixedKey = "m";
    private static readonly KvCodec CommandSerializer = KvCodec.Shared;

    private readonly FaultSchedule schedule;
    private readonly SimulationLoop loop;
    private readonly string[] members;
    private readonly RaftLogWatcher watcher = new();
    private readonly AcknowledgedWrites acknowledged = new();
    private readonly List<string> violations = new();
    private readonly List<string> notes = new();
    private readonly AppliedCommandRecorder applied = new(DescribeCommand);
    private SimulatedRaftCluster cluster = null!;
    private FaultInjector faults = null!;
    private long start;

    public ExplorationRun(FaultSchedule schedule, SimulationLoop loop)
    {
        this.schedule = schedule;
        this.loop = loop;
        members = Enumerable.Range(0, schedule.PeerCount).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        History = new HistoryRecorder<VersionedKvInput, VersionedKvOutput>(VersionedKvOutput.Unknown, loop);
    }

    public HistoryRecorder<VersionedKvInput, VersionedKvOutput> History { get; }

    /// <summary>Violations found on the loop (the linearizability check comes later).</summary>
    public IReadOnlyList<string> Violations => violations;

    public IReadOnlyList<string> Notes => notes;

    public ExplorationStatistics Statistics { get; private set; } = new(0, 0, 0, 0, 0);

    public async Task RunAsync()
    {
        cluster = new SimulatedRaftCluster(loop, ClusterOptions());
        try
        {
            var pinnedClients = 0;
            faults = new FaultInjector(cluster, schedule, loop, watcher, peer =>
                new ExplorerClient(schedule.ClientCount + 1 + pinnedClients++, cluster, [members[peer]], History, acknowledged, TimeSpan.FromSeconds(3)));
            start = loop.GetTimestamp();
            await Task.WhenAll(cluster.PeerIds.Select(cluster.StartAsync));

            var clients = Enumerable.Range(0, schedule.ClientCount).Select(RunClientAsync).ToArray();
            await InjectFaultsAsync();
            await Task.Delay(Remaining(schedule.ChaosDuration), loop);
            await faults.HealEverythingAsync();
            await Task.WhenAll(clients);
            if (schedule.CrashAllAfterHeal)
            {
                await faults.CrashAllAndRestartAsync();
            }
            await CheckLivenessAndReadBackAsync();
            await faults.FindLeaderAsync();
            CheckLogMatching();
        }
        finally
        {
            foreach (var peer in cluster.PeerIds)
            {
                cluster.Crash(peer);
            }
        }
        notes.AddRange(faults.ScenarioNotes);
        violations.AddRange(applied.Violations);
        violations.AddRange(watcher.Violations);
        violations.AddRange(watcher.Errors.Select(e => "error logged: " + e));
        var history = History.GetHistory();
        Statistics = new ExplorationStatistics(History.Count, acknowledged.Count, watcher.LeadersByTerm.Count, applied.AppliedCount, applied.HighestApplied)
        {
            CompareAndSetsApplied = history.Count(op => op.Input.Op == VersionedKvOp.PutIfVersion && !op.Output.IsUnknown && op.Output.Err == VersionedKvErr.Ok),
            CompareAndSetsRefused = history.Count(op => op.Input.Op == VersionedKvOp.PutIfVersion && !op.Output.IsUnknown && op.Output.Err != VersionedKvErr.Ok),
            ZeroLengthOperations = history.Count(op => op.Return == op.Call),
            TiedReturns = TiedReturns(history),
        };
    }

    /// <summary>A server is its Raft peer plus its key-value front: one host on the simulated network.</summary>
    private SimulatedRaftOptions ClusterOptions()
    {
        var raft = new RaftOptions { Seed = schedule.Seed, PreVote = schedule.PreVote };
        schedule.Tuning.ApplyTo(raft);
        var keyValue = new KeyValueOptions
        {
            MaxRaftStateBytes = schedule.MaxRaftStateBytes,
            MaxSessions = schedule.MaxSessions,
            CommitTimeout = TimeSpan.FromSeconds(1),
        };
        // The watcher reads the peers' election wins and every error a Raft component logs.
        var logging = LoggerFactory.Create(logs => logs
            .AddProvider(watcher)
            .AddFilter<RaftLogWatcher>(RaftLogWatcher.PeerCategory, LogLevel.Information)
            .AddFilter<RaftLogWatcher>("Raft", LogLevel.Error));
        // Watch what every peer applies: wrap the key-value state machines.
        return SimulatedKeyValue.Options(loop, FaultExplorer.Group, members, raft, keyValue,
            new SimulatedNetworkOptions { Seed = schedule.Seed, Latency = MessageLatency, LatencyJitter = MessageLatency }, logging, applied.Wrap, schedule.DiskWriteLatency);
    }

    /// <summary>Pairs of operations of different clients on one key where one returned at the very instant the other was called.</summary>
    private static int TiedReturns(IReadOnlyList<Operation<VersionedKvInput, VersionedKvOutput>> history) =>
        history.GroupBy(op => op.Input.Key).Sum(key =>
        {
            var calls = key.ToLookup(op => op.Call);
            return key.Sum(op => calls[op.Return].Count(other => other.ClientId != op.ClientId));
        });

    private static string DescribeCommand(byte[] command)
    {
        try
        {
            var decoded = CommandSerializer.Deserialize<KvCommand>(command);
            return $"client {decoded.ClientId} request {decoded.Sequence}: {decoded.Operation}";
        }
        catch (KvCodecException)
        {
            return $"{command.Length} undecodable bytes";
        }
    }

    private TimeSpan Remaining(TimeSpan sinceStart)
    {
        var left = sinceStart - loop.GetElapsedTime(start);
        return left > TimeSpan.Zero ? left : TimeSpan.Zero;
    }

    private async Task RunClientAsync(int number)
    {
        var random = new Random(unchecked(schedule.Seed * 1_000 + number));
        var client = new ExplorerClient(number, cluster, members, History, acknowledged, TimeSpan.FromSeconds(5));
        for (var i = 0; i < schedule.OperationsPerClient && loop.GetElapsedTime(start) < schedule.ChaosDuration; i++)
        {
            await client.RunAsync(NextOperation(random, client, i));
            await Task.Delay(TimeSpan.FromMilliseconds(random.Next(0, 200)), loop);
        }
    }

    private static VersionedKvInput NextOperation(Random random, ExplorerClient client, int i)
    {
        // Appended values are unique ("<client.i>"), so the final values show whether each acknowledged append survived.
        if (random.Next(10) < 7)
        {
            var key = AppendKeys[random.Next(AppendKeys.Length)];
            return random.Next(10) < 6 ? VersionedKvInput.Append(key, $"<{client.Number}.{i}>") : VersionedKvInput.Get(key);
        }
        // On the mixed key, a compare-and-set at the version this client last saw: it applies when nobody wrote since,
        // else it is refused with the current version (or the key is missing). The version comes from the client, not
        // from another draw, so each seed's sequence of draws (and so its timing) is what it was before CAS was added.
        return random.Next(20) switch
        {
            < 6 => VersionedKvInput.Put(MixedKey, $"<{client.Number}.{i}>"),
            < 10 => VersionedKvInput.PutIfVersion(MixedKey, $"<{client.Number}.{i}>", client.LastSeenVersion(MixedKey)),
            < 17 => VersionedKvInput.Get(MixedKey),
            _ => VersionedKvInput.Delete(MixedKey),
        };
    }

    private async Task InjectFaultsAsync()
    {
        foreach (var step in schedule.Steps)
        {
            await Task.Delay(Remaining(step.At), loop);
            await faults.ApplyAsync(step);
            await faults.FindLeaderAsync(); // records who leads which term
            CheckLogMatching();
        }
    }

    private void CheckLogMatching()
    {
        var logs = cluster.PeerIds.Select(peer => (peer, PersistedLogs.Read(cluster.Disk(peer)))).ToList();
        foreach (var violation in PersistedLogs.CheckLogMatching(logs))
        {
            if (!violations.Contains(violation))
            {
                violations.Add(violation);
            }
        }
    }

    private async Task CheckLivenessAndReadBackAsync()
    {
        var healed = loop.GetTimestamp();
        int? leader = null;
        while (leader is null && loop.GetElapsedTime(healed) < LivenessBound)
        {
            leader = await faults.FindLeaderAsync();
            if (leader is null)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(20), loop);
            }
        }
        if (leader is null)
        {
            violations.Add($"liveness: no leader within {LivenessBound.TotalSeconds} s of virtual time after healing");
            return;
        }
        var elected = loop.GetElapsedTime(healed);
        var client = new ExplorerClient(schedule.ClientCount, cluster, members, History, acknowledged, LivenessBound);
        if (await client.RunAsync(VersionedKvInput.Append(AppendKeys[0], "<final>")) is null)
        {
            violations.Add($"liveness: leader {leader} elected {elected.TotalMilliseconds:0} ms after healing, but a new write did not commit within {LivenessBound.TotalSeconds} s");
            return;
        }
        notes.Add($"after healing: a peer claimed leadership after {elected.TotalMilliseconds:0} ms, a new write committed after {loop.GetElapsedTime(healed).TotalMilliseconds:0} ms");
        foreach (var key in AppendKeys)
        {
            if (await client.RunAsync(VersionedKvInput.Get(key)) is not { } read)
            {
                violations.Add($"liveness: the final read of \"{key}\" did not complete within {LivenessBound.TotalSeconds} s");
                continue;
            }
            violations.AddRange(acknowledged.Check(key, read.Value));
        }
        if (await client.RunAsync(VersionedKvInput.Get(MixedKey)) is null)
        {
            violations.Add($"liveness: the final read of \"{MixedKey}\" did not complete within {LivenessBound.TotalSeconds} s");
        }
    }
}
