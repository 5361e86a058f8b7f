using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Storage;
using Raft.Grains;
using Raft.Grains.Interfaces;
using Raft.TestingHost;
using Xunit.Sdk;

namespace Raft.Tests.Peer;

/// <summary>
/// A Raft group of peer grains on a one-silo <see cref="LabTestCluster"/> (Orleans' InProcessTestCluster with the lab
/// network between peers), memory storage by default and a recording state machine per peer. Every wait is a
/// condition polled until a deadline.
/// </summary>
internal sealed class RaftTestCluster : IAsyncDisposable
{
    public const string Group = "kv";

    private RaftTestCluster(LabTestCluster cluster, RecordingStateMachineFactory stateMachines, string[] peerIds)
    {
        Cluster = cluster;
        StateMachines = stateMachines;
        PeerIds = peerIds;
    }

    public LabTestCluster Cluster { get; }

    /// <summary>The lab network between the peers (counts, reliability, connections).</summary>
    public Raft.Simulation.LabNetwork Network => Cluster.Lab;

    public RecordingStateMachineFactory StateMachines { get; }

    public IReadOnlyList<string> PeerIds { get; }

    public static async Task<RaftTestCluster> StartAsync(
        int peers = 3,
        int snapshotEvery = 0,
        Action<RaftOptions>? configureRaft = null,
        Action<LabTestClusterOptions>? configureCluster = null,
        bool wake = true)
    {
        var members = Enumerable.Range(0, peers).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToList();
        var stateMachines = new RecordingStateMachineFactory(snapshotEvery);
        var options = new LabTestClusterOptions
        {
            SiloCount = 1,
            ConfigureSilo = silo =>
            {
                silo.Configure<RaftOptions>(o =>
                {
                    o.Groups = new Dictionary<string, List<string>> { [Group] = members };
                    configureRaft?.Invoke(o);
                });
                silo.Services.AddSingleton<IRaftStateMachineFactory>(stateMachines);
            },
        };
        configureCluster?.Invoke(options);
        var cluster = await LabTestCluster.DeployAsync(options);
        var raft = new RaftTestCluster(cluster, stateMachines, members.Select(m => $"{Group}/{m}").ToArray());
        if (wake)
        {
            await raft.WakeAllAsync();
        }
        return raft;
    }

    /// <summary>
    /// Cluster options that put <paramref name="storage"/> in place of the shared memory storage "Default", declaring
    /// <paramref name="traits"/> for it (what the in-process memory storage declares when null), and send the silo's
    /// log to <paramref name="log"/>.
    /// </summary>
    public static Action<LabTestClusterOptions> WithStorage(IGrainStorage storage, ILoggerProvider log, PeerStorageTraits? traits = null) => options =>
    {
        options.Storage = storage;
        options.StorageTraits = traits;
        var inner = options.ConfigureSilo;
        options.ConfigureSilo = silo =>
        {
            inner?.Invoke(silo);
            silo.Services.AddSingleton(log);
        };
    };

    public IRaftPeerGrain Peer(string id) => Cluster.GrainFactory.GetGrain<IRaftPeerGrain>(id);

    public GrainId GrainIdOf(string id) => Peer(id).GetGrainId();

    public Task WakeAllAsync() => Task.WhenAll(PeerIds.Select(id => Peer(id).Wake()));

    public void Disconnect(string id) => Network.Disconnect(LabNetworkFilter.HostOf(GrainIdOf(id)));

    public void Connect(string id) => Network.Connect(LabNetworkFilter.HostOf(GrainIdOf(id)));

    /// <summary>Crashes the peer's activation (its in-flight replies and writes are lost); the next call activates it anew from storage.</summary>
    public void Restart(string id) => Cluster.RestartGrain(GrainIdOf(id));

    /// <summary>Messages the peer sent across the lab network (dropped ones included).</summary>
    public long SentCount(string id) => Network.SentCount(GrainIdOf(id).ToString());

    /// <summary>RPCs that reached the peer's handler.</summary>
    public long ReceivedCount(string id) => Network.ReceivedCount(GrainIdOf(id).ToString());

    /// <summary>True while the silo holds an activation of the peer (running or still deactivating).</summary>
    public bool IsActive(string id) => Cluster.Cluster.TryGetGrainContext(GrainIdOf(id), out _);

    public RecordingStateMachine Machine(string id) =>
        StateMachines.Latest(id) ?? throw new XunitException($"{id} has no state machine (never activated)");

    /// <summary>
    /// Polls GetState of <paramref name="among"/> until one claims leadership in a term above <paramref name="aboveTerm"/>;
    /// fails at once if two claim the same term.
    /// </summary>
    public async Task<(string Leader, long Term)> WaitForLeaderAsync(IEnumerable<string>? among = null, long aboveTerm = 0, TimeSpan? timeout = null)
    {
        var peers = (among ?? PeerIds).ToArray();
        (string, long)? found = null;
        await WaitUntilAsync(async () =>
        {
            var states = await Task.WhenAll(peers.Select(async id => (Id: id, State: await Peer(id).GetState())));
            var leaders = states.Where(s => s.State.IsLeader).ToArray();
            foreach (var term in leaders.GroupBy(s => s.State.Term))
            {
                if (term.Count() > 1)
                {
                    throw new XunitException($"Term {term.Key} has two leaders: {string.Join(", ", term.Select(s => s.Id))}");
                }
            }
            var best = leaders.Where(s => s.State.Term > aboveTerm).OrderByDescending(s => s.State.Term).FirstOrDefault();
            if (best.Id is null)
            {
                return false;
            }
            found = (best.Id, best.State.Term);
            return true;
        }, timeout ?? TimeSpan.FromSeconds(5), $"a leader among {string.Join(", ", peers)} above term {aboveTerm}");
        return found!.Value;
    }

    /// <summary>Like the 6.5840 one(): offers the command to every peer until a leader takes it; returns its index.</summary>
    public async Task<StartResult> StartOnLeaderAsync(string command, IEnumerable<string>? among = null, TimeSpan? timeout = null)
    {
        var peers = (among ?? PeerIds).ToArray();
        StartResult? accepted = null;
        await WaitUntilAsync(async () =>
        {
            foreach (var id in peers)
            {
                var result = await Peer(id).Start(Encoding.UTF8.GetBytes(command));
                if (result.IsLeader)
                {
                    accepted = result;
                    return true;
                }
            }
            return false;
        }, timeout ?? TimeSpan.FromSeconds(10), $"a leader to accept '{command}'");
        return accepted!;
    }

    /// <summary>
    /// The 6.5840 one(): offers the command to the peers until a leader takes it, then waits up to 2 s for
    /// <paramref name="expected"/> peers to apply it at that index; retries (a deposed leader may have taken it) until
    /// <paramref name="timeout"/>. Returns the index.
    /// </summary>
    public async Task<long> OneAsync(string command, IEnumerable<string>? expected = null, TimeSpan? timeout = null)
    {
        var peers = (expected ?? PeerIds).ToArray();
        var clock = Stopwatch.StartNew();
        var limit = timeout ?? TimeSpan.FromSeconds(10);
        while (clock.Elapsed < limit)
        {
            StartResult? accepted = null;
            foreach (var id in peers)
            {
                var result = await Peer(id).Start(Encoding.UTF8.GetBytes(command));
                if (result.IsLeader)
                {
                    accepted = result;
                    break;
                }
            }
            if (accepted is null)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50));
                continue;
            }
            var applyClock = Stopwatch.StartNew();
            while (applyClock.Elapsed < TimeSpan.FromSeconds(2))
            {
                if (peers.All(id => StateMachines.Latest(id)?.CommandAt(accepted.Index) == command))
                {
                    return accepted.Index;
                }
                await Task.Delay(TimeSpan.FromMilliseconds(10));
            }
        }
        throw new XunitException($"one('{command}') failed to reach agreement on {string.Join(", ", peers)} within {limit.TotalSeconds:0} s");
    }

    /// <summary>Waits until every peer in <paramref name="peers"/> has applied <paramref name="command"/> at <paramref name="index"/>.</summary>
    public Task WaitAppliedAsync(long index, string command, IEnumerable<string>? peers = null, TimeSpan? timeout = null)
    {
        var ids = (peers ?? PeerIds).ToArray();
        return WaitUntilAsync(() =>
        {
            foreach (var id in ids)
            {
                var machine = StateMachines.Latest(id);
                if (machine is null)
                {
                    return Task.FromResult(false);
                }
                var applied = machine.CommandAt(index);
                if (applied is not null && applied != command)
                {
                    throw new XunitException($"{id} applied '{applied}' at index {index}, expected '{command}'");
                }
                if (applied is null || machine.LastApplied < index)
                {
                    return Task.FromResult(false);
                }
            }
            return Task.FromResult(true);
        }, timeout ?? TimeSpan.FromSeconds(5), $"'{command}' applied at {index} on {string.Join(", ", ids)}");
    }

    public void AssertNoApplyErrors()
    {
        var errors = StateMachines.All.SelectMany(m => m.Errors).ToArray();
        if (errors.Length > 0)
        {
            throw new XunitException("Apply errors: " + string.Join("; ", errors));
        }
    }

    /// <inheritdoc cref="Conditions.WaitUntilAsync"/>
    public static Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, TimeProvider? time = null) =>
        Conditions.WaitUntilAsync(condition, timeout, what, time);

    public ValueTask DisposeAsync() => Cluster.DisposeAsync();
}
