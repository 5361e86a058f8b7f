using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Raft.Grains;
using Raft.Grains.Interfaces;
using Raft.Grains.KeyValue;
using Raft.Runtime;
using Raft.Runtime.Serialization;
using Raft.TestingHost.Linearizability;
using Raft.TestingHost.Simulation;

namespace Raft.TestingHost.Explorer;

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

    private static readonly string[] AppendKeys = ["a0", "a1", "a2"];
    private const string MixedKey = "m";
    private static readonly WireSerializer CommandSerializer = new();

    private readonly FaultSchedule schedule;
    private readonly SimulationLoop loop;
    private readonly string[] members;
    private readonly RaftLogWatcher watcher = new();
    private readonly AcknowledgedWrites acknowledged = new();
    private readonly List<string> violations = new();
    private readonly List<string> notes = new();
    private readonly AppliedCommandRecorder applied = new(DescribeCommand);
    private TestCluster cluster = null!;
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
        cluster = await TestCluster.DeployAsync(ClusterOptions());
        try
        {
            // A server is its Raft peer plus its key-value grain: one host on the simulated network.
            cluster.Network.HostOf = grain => grain.Type is "raftpeer" or "keyvalue" ? "server/" + grain.Key : grain.ToString();
            faults = new FaultInjector(cluster, schedule, loop, members, watcher);
            start = loop.GetTimestamp();
            await Task.WhenAll(Enumerable.Range(0, schedule.PeerCount).Select(i => faults.Peer(i).Wake()));

            var clients = Enumerable.Range(0, schedule.ClientCount).Select(RunClientAsync).ToArray();
            await InjectFaultsAsync();
            await Task.Delay(Remaining(schedule.ChaosDuration), loop);
            faults.HealEverything();
            await Task.WhenAll(clients);
            if (schedule.CrashAllAfterHeal)
            {
                await faults.CrashAllAndRestartAsync();
            }
            await CheckLivenessAndReadBackAsync();
            await faults.FindLeaderAsync();
            await CheckLogMatchingAsync();
        }
        finally
        {
            await cluster.DisposeAsync();
        }
        violations.AddRange(applied.Violations);
        violations.AddRange(watcher.Violations);
        violations.AddRange(watcher.Errors.Select(e => "error logged: " + e));
        var history = History.GetHistory();
        Statistics = new ExplorationStatistics(History.Count, acknowledged.Count, watcher.LeadersByTerm.Count, applied.AppliedCount, applied.HighestApplied)
        {
            CompareAndSetsApplied = history.Count(op => op.Input.Op == VersionedKvOp.PutIfVersion && !op.Output.IsUnknown && op.Output.Err == VersionedKvErr.Ok),
            CompareAndSetsRefused = history.Count(op => op.Input.Op == VersionedKvOp.PutIfVersion && !op.Output.IsUnknown && op.Output.Err != VersionedKvErr.Ok),
        };
    }

    private TestClusterOptions ClusterOptions() => new()
    {
        SiloCount = schedule.SiloPerPeer ? schedule.PeerCount : 1,
        Placement = schedule.SiloPerPeer ? PlaceByPeer : null,
        Simulation = loop,
        Network = new SimulatedNetworkOptions { Seed = schedule.Seed },
        ConfigureSilo = silo =>
        {
            silo.AddRaftKeyValueService();
            silo.Services.Configure<RaftOptions>(o =>
            {
                o.Groups = new Dictionary<string, List<string>> { [FaultExplorer.Group] = members.ToList() };
                o.Seed = schedule.Seed;
                schedule.Tuning.ApplyTo(o);
            });
            silo.Services.Configure<KeyValueOptions>(o =>
            {
                o.MaxRaftStateBytes = schedule.MaxRaftStateBytes;
                o.MaxSessions = schedule.MaxSessions;
                o.CommitTimeout = TimeSpan.FromSeconds(1);
            });
            // Watch what every peer applies: wrap the key-value state machines each silo's service creates.
            silo.Services.Replace(ServiceDescriptor.Singleton<IRaftStateMachineFactory>(sp =>
                applied.Wrap(sp.GetRequiredService<KvStateMachineFactory>())));
            silo.Services.AddSingleton<ILoggerProvider>(watcher);
            silo.Services.AddLogging(logging => logging
                .AddFilter<RaftLogWatcher>(RaftLogWatcher.PeerCategory, LogLevel.Information)
                .AddFilter<RaftLogWatcher>("Raft", LogLevel.Error));
        },
    };

    /// <summary>Peer "kv/i" and its key-value grain on silo i (they must share a silo: the grain waits on the peer's state machine).</summary>
    private static string? PlaceByPeer(GrainId grain) =>
        grain.Type is "raftpeer" or "keyvalue" && grain.Key.StartsWith(FaultExplorer.Group + "/", StringComparison.Ordinal)
            ? "silo" + grain.Key[(FaultExplorer.Group.Length + 1)..]
            : null;

    private static string DescribeCommand(byte[] command)
    {
        try
        {
            var decoded = CommandSerializer.Deserialize<KvCommand>(command);
            return $"client {decoded.ClientId} request {decoded.Sequence}: {decoded.Operation}";
        }
        catch (WireSerializationException)
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
        var client = new ExplorerClient(number, cluster.GrainFactory, members, loop, History, acknowledged, TimeSpan.FromSeconds(5));
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
            await CheckLogMatchingAsync();
        }
    }

    private async Task CheckLogMatchingAsync()
    {
        var storage = cluster.GetMemoryStorage();
        var logs = new List<(string Peer, SortedDictionary<long, LogEntry> Log)>();
        for (var i = 0; i < schedule.PeerCount; i++)
        {
            logs.Add(($"{FaultExplorer.Group}/{members[i]}", await PersistedLogs.ReadAsync(storage, faults.PeerId(i))));
        }
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
        var client = new ExplorerClient(schedule.ClientCount, cluster.GrainFactory, members, loop, History, acknowledged, LivenessBound);
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
