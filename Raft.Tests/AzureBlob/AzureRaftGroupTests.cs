using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Orleans.TestingHost;
using Raft.Grains;
using Raft.Grains.Interfaces;
using Raft.TestingHost;
using Raft.Tests.Peer;
using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Raft.Tests.AzureBlob;

public enum PeerRestart
{
    /// <summary>LabTestCluster.RestartGrain of every peer (a crash: no OnDeactivateAsync, its writes refused), then Wake.</summary>
    EveryGrain,

    /// <summary>An ungraceful stop of the silo hosting every peer, then a new silo of the same name, then Wake.</summary>
    Silo,
}

/// <summary>
/// A three-peer Raft group on a <see cref="LabTestCluster"/> whose "Default" storage is Orleans' Azure Blob provider on
/// Azurite (declared <see cref="PeerStorageTraits.AzureBlob"/>, so each activation fences what it read): every peer
/// restarts from what Azurite holds, and an Azurite outage stops the group without losing anything it acknowledged.
/// Settings: <see cref="AzureRaft"/>. On failure the silos' log goes to the test output.
/// <para>Differences from the suite on our own runtime: a new activation no longer waits for a crashed activation's
/// Azure writes still in flight (Orleans has no such wait); the fence makes such a write fail its ETag condition instead,
/// so the restarts here restart at once, and the second restart of each round checks that no late write of the first
/// landed over newer state. The silo restart is a kill of a second silo that hosts every peer (the test client's
/// gateway stays up), where it was the restart of the only silo. The outage's error texts were our REST client's
/// (blob, account, attempts); Orleans' provider reports the Azure SDK's exception, so what is asserted is the
/// behaviour: nothing applied beyond what was committed, no leader during the outage, everything back after it.</para>
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class AzureRaftGroupTests : IAsyncLifetime
{
    private const string PeerSilo = "Silo_1";
    private readonly AzuriteFixture _azurite;
    private readonly ITestOutputHelper _output;
    private readonly string _container = AzureTestStorage.UniqueContainer("raft");
    private readonly CapturedLog _log = new();

    public AzureRaftGroupTests(AzuriteFixture azurite, ITestOutputHelper output)
    {
        _azurite = azurite;
        _output = output;
    }

    public Task InitializeAsync()
    {
        // An outage test that failed half-way must not leave the next test without Azurite.
        _azurite.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _azurite.Start();
        await AzureTestStorage.DeleteContainerAsync(_azurite, _container);
    }

    /// <summary>
    /// The group on Azure storage. With <paramref name="twoSilos"/>, the test client's gateway is Silo_0 and every peer
    /// lives on Silo_1, so that silo can be killed and started again.
    /// </summary>
    private async Task<(RaftTestCluster Raft, InFlightTrackingStorage Storage)> StartAsync(
        int snapshotEvery = 0, bool twoSilos = false, Action<Orleans.Configuration.AzureBlobStorageOptions>? configureStorage = null,
        PeerStorageTraits? traits = null, bool wake = true)
    {
        var azure = await AzureTestStorage.CreateAsync(_azurite.ConnectionString, _container, configureStorage, AzureRaft.ClientOptions());
        var storage = new InFlightTrackingStorage(azure);
        var withStorage = RaftTestCluster.WithStorage(storage, _log, traits ?? PeerStorageTraits.AzureBlob);
        var raft = await RaftTestCluster.StartAsync(
            peers: 3,
            snapshotEvery: snapshotEvery,
            configureRaft: options =>
            {
                AzureRaft.ConfigureRaft(options);
                if (twoSilos)
                {
                    options.PeerSilos = Enumerable.Range(0, 3).ToDictionary(i => $"{RaftTestCluster.Group}/{i}", _ => PeerSilo);
                }
            },
            configureCluster: options =>
            {
                withStorage(options);
                options.SiloCount = twoSilos ? 2 : 1;
            },
            wake: wake);
        return (raft, storage);
    }

    /// <summary>Runs the test body; on failure the silos' log goes to the test output first.</summary>
    private async Task RunAsync(Func<Task> body)
    {
        try
        {
            await body();
        }
        catch
        {
            _output.WriteLine("---- silo log (last 300 lines) ----");
            foreach (var line in _log.Lines.TakeLast(300))
            {
                _output.WriteLine(line.ToString());
            }
            throw;
        }
    }

    // A blob deleted on clear could be created again by a delayed write of a crashed process, after any fence
    // (Raft.Grains/Peer/PERSISTENCE.md): a peer does not start on storage declared so, and says why.
    [Fact]
    public Task OnStorageThatDeletesBlobsOnClear_APeerRefusesToStart_NamingPeerStorageAndSetting() => RunAsync(async () =>
    {
        var (raft, _) = await StartAsync(
            configureStorage: storage => storage.DeleteStateOnClear = true,
            traits: PeerStorageTraits.AzureBlob with { ClearKeepsRecord = false },
            wake: false);
        await using var _ = raft;

        var e = await Assert.ThrowsAnyAsync<Exception>(() => raft.Peer("kv/0").Wake());

        Assert.Contains("Raft peer 'kv/0' cannot start on storage 'Default'", e.Message, StringComparison.Ordinal);
        Assert.Contains("DeleteStateOnClear = false", e.Message, StringComparison.Ordinal);
    });

    // A crashed activation's Azure write that was already sent goes on; the new activation does not wait for it but
    // fences every record it read, so such a write lands before the fence (and is read) or fails its ETag condition.
    [Theory]
    [InlineData(PeerRestart.EveryGrain, 0)]
    [InlineData(PeerRestart.EveryGrain, 10)]
    [InlineData(PeerRestart.Silo, 0)]
    [InlineData(PeerRestart.Silo, 10)]
    public Task EveryPeerRestartsFromAzurite_RedeliversEveryCommittedEntryInOrder_AndCommitsMore(PeerRestart restart, int snapshotEvery) => RunAsync(async () =>
    {
        var (raft, _) = await StartAsync(snapshotEvery, twoSilos: restart == PeerRestart.Silo);
        await using var _ = raft;
        Assert.Null(raft.Cluster.MemoryStorage);
        var acknowledged = new SortedDictionary<long, string>();
        await CommitAsync(raft, "a", 24, acknowledged);
        var committed = AgreedState(raft, acknowledged.Keys.Max());
        await AssertPeersStoredInAzuriteAsync(raft, snapshot: snapshotEvery > 0);

        for (var round = 1; round <= 2; round++)
        {
            var clock = Stopwatch.StartNew();
            var previous = raft.PeerIds.ToDictionary(id => id, id => (Machine: raft.Machine(id), Activations: raft.StateMachines.Activations(id)));
            // The silo variant restarts the silo once: InProcessTestCluster (10.4.2) starts a stopped silo again under its
            // name only once (the second RestartStoppedSecondarySiloAsync finds two handles of that name), so its second
            // round crash-restarts every peer on the new silo.
            await RestartEveryPeerAsync(raft, round == 1 ? restart : PeerRestart.EveryGrain);
            foreach (var id in raft.PeerIds)
            {
                // At least one new activation: the latest one is what the test checks.
                Assert.True(raft.StateMachines.Activations(id) > previous[id].Activations, $"{id} was not activated again");
                Assert.NotSame(previous[id].Machine, raft.Machine(id));
            }

            // Entries of earlier terms commit once the new leader commits one of its own (Figure 8): propose one.
            var index = await ProposeUntilCommittedAsync(raft, $"after-restart-{round}", TimeSpan.FromSeconds(30));
            Assert.True(index > committed.Count, $"the first entry after restart {round} went to index {index}, inside the committed log (1..{committed.Count})");
            _output.WriteLine($"restart {round} ({restart}, snapshot every {snapshotEvery}): first new entry committed at {index} after {clock.ElapsedMilliseconds} ms");
            foreach (var id in raft.PeerIds)
            {
                AssertRedelivered(raft.Machine(id), committed, snapshotEvery);
            }

            acknowledged[index] = $"after-restart-{round}";
            await CommitAsync(raft, $"r{round}", 3, acknowledged);
            committed = AgreedState(raft, acknowledged.Keys.Max());
            foreach (var (i, command) in acknowledged)
            {
                Assert.Equal(command, committed[i]);
            }
        }
        raft.AssertNoApplyErrors();
    });

    [Fact]
    public Task AzuriteStoppedMidRun_GroupStopsCommitting_ThenResumesWithNothingAcknowledgedLost() => RunAsync(async () =>
    {
        var (raft, _) = await StartAsync();
        await using var _ = raft;
        var acknowledged = new SortedDictionary<long, string>();
        await CommitAsync(raft, "before", 10, acknowledged);
        var lastCommitted = acknowledged.Keys.Max();
        var (leader, term) = await raft.WaitForLeaderAsync(timeout: TimeSpan.FromSeconds(10));
        _output.WriteLine($"committed 1..{lastCommitted}; leader {leader} in term {term}; stopping Azurite");

        var errors = new List<string>();
        _azurite.Stop();
        try
        {
            // The leader appends the command (Start answers before it is durable, as in 6.5840) but cannot make its own
            // copy durable: its write fails after the SDK's retries, and it stops.
            var clock = Stopwatch.StartNew();
            var started = await TryStartAsync(raft, leader, "during-outage");
            _output.WriteLine($"Start on leader {leader} -> {started}");
            await RaftTestCluster.WaitUntilAsync(async () => !(await TryStartAsync(raft, leader, "probe")).StartsWith("leader", StringComparison.Ordinal),
                TimeSpan.FromSeconds(10), $"{leader} to stop taking commands once its write failed");
            _output.WriteLine($"{leader} stopped taking commands {clock.ElapsedMilliseconds} ms after the outage began");

            // Clients keep proposing to every peer for a few seconds: no peer takes a command as leader (a new leader
            // needs a durable term and vote), and nothing beyond the last committed index is applied.
            var proposals = 0;
            var window = Stopwatch.StartNew();
            while (window.Elapsed < TimeSpan.FromSeconds(4))
            {
                foreach (var id in raft.PeerIds)
                {
                    errors.Add($"{id}: {await TryStartAsync(raft, id, $"during-outage-{proposals++}")}");
                }
                foreach (var id in raft.PeerIds)
                {
                    var machine = raft.Machine(id);
                    Assert.True(machine.LastApplied <= lastCommitted,
                        $"{id} applied through {machine.LastApplied} while Azurite was down (the last index committed before the outage is {lastCommitted})");
                }
                await Task.Delay(250);
            }
            _output.WriteLine($"distinct answers to {proposals} Starts during the outage:");
            foreach (var error in errors.Select(Redact).Distinct())
            {
                _output.WriteLine("  " + error);
            }
            Assert.DoesNotContain(errors, e => e.Contains(": leader", StringComparison.Ordinal));
        }
        finally
        {
            _azurite.Start();
        }

        // Azurite is back: client traffic alone (no restart by the test) brings the group back, with everything intact.
        var resumeClock = Stopwatch.StartNew();
        var resumed = await ProposeUntilCommittedAsync(raft, "after-outage", TimeSpan.FromSeconds(30));
        _output.WriteLine($"'after-outage' committed at {resumed} on every peer, {resumeClock.ElapsedMilliseconds} ms after Azurite came back");
        Assert.True(resumed > lastCommitted, $"'after-outage' went to {resumed}, inside the log committed before the outage");
        AssertStillThere(raft, acknowledged);
        acknowledged[resumed] = "after-outage";

        // Every peer restarts from Azurite: still everything, and new entries commit.
        foreach (var id in raft.PeerIds)
        {
            raft.Cluster.RestartGrain(raft.GrainIdOf(id));
        }
        var afterRestart = await ProposeUntilCommittedAsync(raft, "after-restart", TimeSpan.FromSeconds(30));
        AssertStillThere(raft, acknowledged);
        acknowledged[afterRestart] = "after-restart";
        await CommitAsync(raft, "more", 3, acknowledged);
        AssertStillThere(raft, acknowledged);
        raft.AssertNoApplyErrors();
    });

    /// <summary>A Start on <paramref name="id"/>: "leader at {index} in {term}", "not leader", or the failure.</summary>
    private static async Task<string> TryStartAsync(RaftTestCluster raft, string id, string command)
    {
        try
        {
            var result = await raft.Peer(id).Start(Encoding.UTF8.GetBytes(command)).WaitAsync(TimeSpan.FromSeconds(5));
            return result.IsLeader ? $"leader at {result.Index} in term {result.Term}" : "not leader";
        }
        catch (Exception exception)
        {
            return $"{exception.GetType().Name}: {exception.Message}";
        }
    }

    /// <summary>The same error for different blobs and ports reads the same.</summary>
    private static string Redact(string error) =>
        System.Text.RegularExpressions.Regex.Replace(error, @"\b\d+(\.\d+)? ms\b", "N ms");

    /// <summary>
    /// Commits <paramref name="count"/> commands: half one at a time (each waits until every peer applied it), then the
    /// rest offered to the leader together (several Starts in one group-commit flush), then one more at a time as a
    /// fence: should leadership change under the burst, a new leader commits the burst's entries of an earlier term only
    /// with an entry of its own (Figure 8). Each burst command is checked where it was applied, and offered again if it
    /// was lost. Adds what every peer applied, at the index the leader gave, to <paramref name="acknowledged"/>.
    /// </summary>
    private async Task CommitAsync(RaftTestCluster raft, string prefix, int count, SortedDictionary<long, string> acknowledged)
    {
        var one = count / 2;
        for (var i = 0; i < one; i++)
        {
            var command = $"{prefix}-{i}";
            acknowledged[await ProposeUntilCommittedAsync(raft, command, TimeSpan.FromSeconds(30))] = command;
        }
        var (leader, _) = await raft.WaitForLeaderAsync(timeout: TimeSpan.FromSeconds(10));
        var burst = Enumerable.Range(one, count - one).Select(i => $"{prefix}-{i}").ToArray();
        var results = await Task.WhenAll(burst.Select(async command =>
        {
            try
            {
                return await raft.Peer(leader).Start(Encoding.UTF8.GetBytes(command));
            }
            catch (Exception exception) when (exception is not XunitException)
            {
                return null; // the leader stopped (e.g. a storage conflict): offered again below
            }
        }));
        var fence = $"{prefix}-fence";
        acknowledged[await ProposeUntilCommittedAsync(raft, fence, TimeSpan.FromSeconds(30))] = fence;
        foreach (var (command, result) in burst.Zip(results))
        {
            if (result is { IsLeader: true } && raft.PeerIds.All(id => raft.Machine(id).CommandAt(result.Index) == command))
            {
                acknowledged[result.Index] = command;
            }
            else
            {
                // The leader changed under the burst and the entry was replaced: offer it again.
                acknowledged[await ProposeUntilCommittedAsync(raft, command, TimeSpan.FromSeconds(30))] = command;
            }
        }
    }

    /// <summary>What every peer applied at 1..<paramref name="through"/> (they must agree): the committed log.</summary>
    private static IReadOnlyDictionary<long, string> AgreedState(RaftTestCluster raft, long through)
    {
        IReadOnlyDictionary<long, string>? agreed = null;
        foreach (var id in raft.PeerIds)
        {
            var state = raft.Machine(id).State;
            var prefix = new Dictionary<long, string>();
            for (var i = 1L; i <= through; i++)
            {
                prefix[i] = state.TryGetValue(i, out var command) ? command : throw new XunitException($"{id} has not applied index {i} (through {through} expected)");
            }
            if (agreed is not null)
            {
                foreach (var (i, command) in prefix)
                {
                    Assert.True(agreed[i] == command, $"{id} applied '{command}' at {i}, another peer '{agreed[i]}'");
                }
            }
            agreed = prefix;
        }
        return agreed!;
    }

    /// <summary>
    /// A new activation's deliveries: at most one snapshot first (only when the service snapshots), then every command
    /// after it one by one in index order, and together they hold exactly the committed log.
    /// </summary>
    private static void AssertRedelivered(RecordingStateMachine machine, IReadOnlyDictionary<long, string> committed, int snapshotEvery)
    {
        Assert.Empty(machine.Errors);
        var messages = machine.Messages;
        var next = 1L;
        var k = 0;
        if (messages.Count > 0 && messages[0].SnapshotValid)
        {
            Assert.True(snapshotEvery > 0, $"{machine.PeerId} delivered a snapshot though none was taken");
            next = messages[0].SnapshotIndex + 1;
            k = 1;
        }
        for (; k < messages.Count; k++)
        {
            var message = messages[k];
            Assert.True(message.CommandValid && !message.SnapshotValid,
                $"{machine.PeerId}: delivery {k} is {(message.SnapshotValid ? $"a snapshot through {message.SnapshotIndex}" : "neither command nor snapshot")} after the commands had started");
            Assert.True(message.CommandIndex == next, $"{machine.PeerId}: delivery {k} is index {message.CommandIndex}, expected {next}");
            if (committed.TryGetValue(next, out var expected))
            {
                Assert.Equal(expected, Encoding.UTF8.GetString(message.Command ?? []));
            }
            next++;
        }
        Assert.True(next > committed.Count, $"{machine.PeerId} re-delivered through {next - 1} only; {committed.Count} were committed");
        var state = machine.State;
        foreach (var (i, command) in committed)
        {
            Assert.True(state.TryGetValue(i, out var applied) && applied == command,
                $"{machine.PeerId} holds '{(applied ?? "nothing")}' at {i} after the restart; '{command}' was committed there");
        }
    }

    /// <summary>Every peer's current activation has applied every acknowledged command at its index.</summary>
    private static void AssertStillThere(RaftTestCluster raft, SortedDictionary<long, string> acknowledged)
    {
        foreach (var id in raft.PeerIds)
        {
            var machine = raft.Machine(id);
            Assert.Empty(machine.Errors);
            foreach (var (index, command) in acknowledged)
            {
                var applied = machine.CommandAt(index);
                Assert.True(applied == command, $"{id} holds '{applied ?? "nothing"}' at {index}; '{command}' was acknowledged there before");
            }
        }
    }

    /// <summary>
    /// Crash-restarts every peer (or kills the silo hosting them and starts it again), then wakes them: each new
    /// activation loads from Azurite and fences what it read, at once, while writes of the crashed activations may
    /// still be on their way.
    /// </summary>
    private static async Task RestartEveryPeerAsync(RaftTestCluster raft, PeerRestart restart)
    {
        if (restart == PeerRestart.Silo)
        {
            var cluster = raft.Cluster.Cluster;
            var silo = cluster.Silos.Single(s => s.Name == PeerSilo && s.IsActive);
            // Not gracefully: every activation dies with the silo (no OnDeactivateAsync). The handle stays in the
            // cluster's list, so the silo can be started again under its name (which the peers are pinned to).
            await silo.StopSiloAsync(stopGracefully: false);
            await cluster.RestartStoppedSecondarySiloAsync(PeerSilo);
        }
        else
        {
            foreach (var id in raft.PeerIds)
            {
                raft.Cluster.RestartGrain(raft.GrainIdOf(id));
            }
        }
        await WakeAllAsync(raft);
    }

    /// <summary>
    /// Wakes every peer (activating the ones that are not). An activation that meets a late write of its crashed
    /// predecessor deactivates, so a failed Wake is retried until every peer is up, within a deadline.
    /// </summary>
    private static Task WakeAllAsync(RaftTestCluster raft) => RaftTestCluster.WaitUntilAsync(async () =>
    {
        var woken = await Task.WhenAll(raft.PeerIds.Select(async id =>
        {
            try
            {
                await raft.Peer(id).Wake();
                return true;
            }
            catch (Exception exception) when (exception is not XunitException)
            {
                return false;
            }
        }));
        return woken.All(w => w);
    }, TimeSpan.FromSeconds(30), "every peer to wake");

    /// <summary>
    /// Offers <paramref name="command"/> to every peer in turn (any failure, e.g. an activation that cannot load yet, is
    /// only retried) until a leader takes it and every peer applied it at that index.
    /// </summary>
    private async Task<long> ProposeUntilCommittedAsync(RaftTestCluster raft, string command, TimeSpan timeout)
    {
        var failures = new List<string>();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            foreach (var id in raft.PeerIds)
            {
                StartResult result;
                try
                {
                    result = await raft.Peer(id).Start(Encoding.UTF8.GetBytes(command)).WaitAsync(TimeSpan.FromSeconds(5));
                }
                catch (Exception exception)
                {
                    failures.Add(string.Create(CultureInfo.InvariantCulture, $"{clock.Elapsed.TotalSeconds:F2}s {id}: {exception.GetType().Name}: {exception.Message}"));
                    continue;
                }
                if (!result.IsLeader)
                {
                    continue;
                }
                var applyClock = Stopwatch.StartNew();
                while (applyClock.Elapsed < TimeSpan.FromSeconds(3))
                {
                    if (raft.PeerIds.All(p => raft.StateMachines.Latest(p)?.CommandAt(result.Index) == command))
                    {
                        if (failures.Count > 0)
                        {
                            _output.WriteLine($"'{command}': {failures.Count} failed Start(s) before it committed, the last: {failures[^1]}");
                        }
                        return result.Index;
                    }
                    await Task.Delay(20);
                }
                break;
            }
            await Task.Delay(100);
        }
        throw new XunitException($"'{command}' was not committed on every peer within {timeout.TotalSeconds:0} s; last failures:{Environment.NewLine}" +
            string.Join(Environment.NewLine, failures.TakeLast(10)));
    }

    /// <summary>Each peer's hard state, manifest and log segments (and snapshot when taken) are blobs in the test's container.</summary>
    private async Task AssertPeersStoredInAzuriteAsync(RaftTestCluster raft, bool snapshot)
    {
        var blobs = await AzureTestStorage.ListBlobsAsync(_azurite, _container);
        foreach (var id in raft.PeerIds)
        {
            // Orleans' blob name: "{stateName}-{grainId}.json", and the grain id is "raftpeer/kv/0".
            var mine = blobs.Where(b => b.Name.EndsWith($"-raftpeer/{id}.json", StringComparison.Ordinal)).Select(b => b.Name).ToArray();
            Assert.Contains($"{RaftPeerStore.HardStateName}-raftpeer/{id}.json", mine);
            Assert.Contains($"{RaftPeerStore.ManifestName}-raftpeer/{id}.json", mine);
            Assert.Contains(mine, name => name.StartsWith("raft-log-", StringComparison.Ordinal));
            if (snapshot)
            {
                Assert.Contains($"{RaftPeerStore.SnapshotName}-raftpeer/{id}.json", mine);
            }
        }
    }
}
