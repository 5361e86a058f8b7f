using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Raft.Grains;
using Raft.Grains.Interfaces;
using Raft.Runtime;
using Raft.Runtime.Hosting;
using Raft.Runtime.Storage;
using Raft.TestingHost;
using Xunit.Sdk;

namespace Raft.Tests.Peer;

/// <summary>
/// A Raft group of peer grains on a one-silo TestCluster with the simulated network, memory storage by default and a
/// recording state machine per peer. Every wait is a condition polled until a deadline.
/// </summary>
internal sealed class RaftTestCluster : IAsyncDisposable
{
    public const string Group = "kv";

    private RaftTestCluster(TestCluster cluster, RecordingStateMachineFactory stateMachines, string[] peerIds)
    {
        Cluster = cluster;
        StateMachines = stateMachines;
        PeerIds = peerIds;
    }

    public TestCluster Cluster { get; }

    public RecordingStateMachineFactory StateMachines { get; }

    public IReadOnlyList<string> PeerIds { get; }

    public static async Task<RaftTestCluster> StartAsync(
        int peers = 3,
        int snapshotEvery = 0,
        Action<RaftOptions>? configureRaft = null,
        Action<TestClusterOptions>? configureCluster = null,
        bool wake = true)
    {
        var members = Enumerable.Range(0, peers).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
        var stateMachines = new RecordingStateMachineFactory(snapshotEvery);
        var options = new TestClusterOptions
        {
            SiloCount = 1,
            UseSimulatedNetwork = true,
            ConfigureSilo = silo =>
            {
                silo.AddGrains(typeof(GrainsAssembly).Assembly);
                silo.Services.Configure<RaftOptions>(o =>
                {
                    o.Groups = new Dictionary<string, List<string>> { [Group] = members };
                    configureRaft?.Invoke(o);
                });
                silo.Services.AddSingleton<IRaftStateMachineFactory>(stateMachines);
            },
        };
        configureCluster?.Invoke(options);
        var cluster = await TestCluster.DeployAsync(options);
        var raft = new RaftTestCluster(cluster, stateMachines, members.Select(m => $"{Group}/{m}").ToArray());
        if (wake)
        {
            await raft.WakeAllAsync();
        }
        return raft;
    }

    /// <summary>Cluster options that put <paramref name="storage"/> in place of the memory provider "Default" and send the silo's log to <paramref name="log"/>.</summary>
    public static Action<TestClusterOptions> WithStorage(IGrainStorage storage, ILoggerProvider log) => options =>
    {
        options.MemoryStorageNames.Clear();
        var inner = options.ConfigureSilo;
        options.ConfigureSilo = silo =>
        {
            inner?.Invoke(silo);
            silo.Services.AddKeyedSingleton<IGrainStorage>("Default", storage);
            silo.Services.AddSingleton(log);
        };
    };

    public IRaftPeerGrain Peer(string id) => Cluster.GrainFactory.GetGrain<IRaftPeerGrain>(id);

    public GrainId GrainIdOf(string id) => Peer(id).GetGrainId();

    public Task WakeAllAsync() => Task.WhenAll(PeerIds.Select(id => Peer(id).Wake()));

    public void Disconnect(string id) => Cluster.Network.Disconnect(GrainIdOf(id));

    public void Connect(string id) => Cluster.Network.Connect(GrainIdOf(id));

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
