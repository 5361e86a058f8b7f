using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Raft.Grains.Interfaces;
using Raft.Runtime;
using Raft.Runtime.Serialization;
using Raft.Runtime.Storage;
using Raft.Tests.Peer;
using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Raft.Tests.AzureBlob;

public enum PeerRestart
{
    /// <summary>TestCluster.RestartGrain of every peer (a crash: no OnDeactivateAsync), then Wake.</summary>
    EveryGrain,

    /// <summary>TestCluster.RestartSiloAsync of the only silo (every activation killed at once), then Wake.</summary>
    Silo,
}

/// <summary>
/// A three-peer Raft group on a one-silo TestCluster whose only grain storage is Azure Blob on Azurite ("Default", no
/// memory storage): every peer restarts from what Azurite holds, and an Azurite outage stops the group without losing
/// anything it acknowledged. Settings: <see cref="AzureRaft"/>. The silos' logs are written to the test output.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class AzureRaftGroupTests : IAsyncLifetime
{
    private readonly AzuriteFixture _azurite;
    private readonly ITestOutputHelper _output;
    private readonly string _container = AzureTestStorage.UniqueContainer("raft");
    private readonly SiloLog _log = new();

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

    private Task<RaftTestCluster> StartAsync(int snapshotEvery = 0) => RaftTestCluster.StartAsync(
        peers: 3,
        snapshotEvery: snapshotEvery,
        configureRaft: AzureRaft.ConfigureRaft,
        configureCluster: AzureRaft.Cluster(_azurite, _container, _log));

    /// <summary>Runs the test body; on failure the silos' logs go to the test output first.</summary>
    private async Task RunAsync(Func<Task> body)
    {
        try
        {
            await body();
        }
        catch
        {
            _output.WriteLine("---- silo log ----");
            _log.WriteTo(_output);
            throw;
        }
    }

    // A blob deleted on clear could be created again by a delayed write of a crashed process, after any fence
    // (Raft.Grains/Peer/PERSISTENCE.md): a peer does not start on such storage, and says why.
    [Fact]
    public Task OnStorageThatDeletesBlobsOnClear_APeerRefusesToStart_NamingPeerStorageAndSetting() => RunAsync(async () =>
    {
        await using var raft = await RaftTestCluster.StartAsync(
            configureRaft: AzureRaft.ConfigureRaft,
            configureCluster: AzureRaft.Cluster(_azurite, _container, _log, storage => storage.DeleteStateOnClear = true),
            wake: false);

        var e = await Assert.ThrowsAnyAsync<Exception>(() => raft.Peer("kv/0").Wake());

        Assert.Contains("Raft peer 'kv/0' cannot start on storage 'Default'", e.Message, StringComparison.Ordinal);
        Assert.Contains("DeleteStateOnClear = false", e.Message, StringComparison.Ordinal);
    });

    // A crashed activation's Azure write that was already sent goes on; each new activation waits for it before it
    // loads (the runtime's InFlightStorageOperations), so it never reads a record that such a write changes later.
    [Theory]
    [InlineData(PeerRestart.EveryGrain, 0)]
    [InlineData(PeerRestart.EveryGrain, 10)]
    [InlineData(PeerRestart.Silo, 0)]
    [InlineData(PeerRestart.Silo, 10)]
    public Task EveryPeerRestartsFromAzurite_RedeliversEveryCommittedEntryInOrder_AndCommitsMore(PeerRestart restart, int snapshotEvery) => RunAsync(async () =>
    {
        await using var raft = await StartAsync(snapshotEvery);
        Assert.Throws<KeyNotFoundException>(() => raft.Cluster.GetMemoryStorage());
        var acknowledged = new SortedDictionary<long, string>();
        await CommitAsync(raft, "a", 24, acknowledged);
        var committed = AgreedState(raft, acknowledged.Keys.Max());
        await AssertPeersStoredInAzuriteAsync(raft, snapshot: snapshotEvery > 0);

        for (var round = 1; round <= 2; round++)
        {
            var clock = Stopwatch.StartNew();
            var previous = raft.PeerIds.ToDictionary(id => id, id => (Machine: raft.Machine(id), Activations: raft.StateMachines.Activations(id)));
            await RestartEveryPeerAsync(raft, restart);
            foreach (var id in raft.PeerIds)
            {
                // At least one new activation (a silo being killed may still activate a peer from a message in flight,
                // which then deactivates with the silo): the latest one is what the test checks.
                Assert.True(raft.StateMachines.Activations(id) > previous[id].Activations, $"{id} was not activated again");
                Assert.NotSame(previous[id].Machine, raft.Machine(id));
            }

            // Entries of earlier terms commit once the new leader commits one of its own (Figure 8): propose one.
            var index = await raft.OneAsync($"after-restart-{round}", timeout: TimeSpan.FromSeconds(20));
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
        await using var raft = await StartAsync();
        var acknowledged = new SortedDictionary<long, string>();
        await CommitAsync(raft, "before", 10, acknowledged);
        var lastCommitted = acknowledged.Keys.Max();
        var (leader, term) = await raft.WaitForLeaderAsync();
        _output.WriteLine($"{_log.Now.TotalSeconds:F3}s: committed 1..{lastCommitted}; leader {leader} in term {term}; stopping Azurite");

        var outageStart = _log.Now;
        TimeSpan outageEnd;
        var errors = new List<string>();
        _azurite.Stop();
        try
        {
            // The leader appends the command but must not acknowledge it: its own copy cannot become durable.
            var clock = Stopwatch.StartNew();
            StartResult? started = null;
            Exception? startError = null;
            try
            {
                started = await raft.Peer(leader).Start(Encoding.UTF8.GetBytes("during-outage")).WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (Exception exception)
            {
                startError = exception;
            }
            var detected = clock.Elapsed;
            _output.WriteLine($"{_log.Now.TotalSeconds:F3}s: Start on leader {leader} -> " +
                (startError is null ? $"{started}" : $"{startError.GetType().Name} after {detected.TotalMilliseconds:F0} ms: {startError.Message}"));
            if (startError is not null)
            {
                // A clear error: which blob, account and container, after how many attempts, and why.
                // The grain's GrainStorageException reaches the caller as a RemoteException naming its type.
                var storageError = startError is RemoteException remote ? remote : throw new XunitException($"Start failed with {startError}");
                Assert.Equal(typeof(GrainStorageException).FullName, remote.OriginalType);
                Assert.Contains($"Azure Blob storage write of blob 'raft-", storageError.Message, StringComparison.Ordinal);
                Assert.Contains($"raftpeer/{leader}'", storageError.Message, StringComparison.Ordinal);
                Assert.Contains("'devstoreaccount1'", storageError.Message, StringComparison.Ordinal);
                Assert.Contains($"'{_container}'", storageError.Message, StringComparison.Ordinal);
                Assert.Contains("after 5 attempt(s)", storageError.Message, StringComparison.Ordinal);
                Assert.Contains("ConnectionRefused", storageError.Message, StringComparison.Ordinal);
                // Nominally 0.55–1.1 s of backoff. The bound leaves room for a starved machine: at a load average of 12 on
                // 2 cores, a 75 ms backoff once took 870 ms, and the failure took 3.6 s to report.
                Assert.True(detected < TimeSpan.FromSeconds(6), $"the failed write took {detected.TotalMilliseconds:F0} ms to report");
            }
            else
            {
                Assert.True(started!.IsLeader, $"{leader} lost leadership with nothing to write: {started}");
            }

            // Clients keep proposing to every peer for a few seconds: nothing beyond the last committed index is applied.
            var proposals = 0;
            var window = Stopwatch.StartNew();
            while (window.Elapsed < TimeSpan.FromSeconds(4))
            {
                foreach (var id in raft.PeerIds)
                {
                    try
                    {
                        var result = await raft.Peer(id).Start(Encoding.UTF8.GetBytes($"during-outage-{proposals++}")).WaitAsync(TimeSpan.FromSeconds(5));
                        if (result.IsLeader)
                        {
                            errors.Add($"{id}: Start returned index {result.Index} in term {result.Term} as leader");
                        }
                    }
                    catch (Exception exception)
                    {
                        errors.Add($"{id}: {exception.GetType().Name}: {exception.Message}");
                    }
                }
                foreach (var id in raft.PeerIds)
                {
                    var machine = raft.Machine(id);
                    Assert.True(machine.LastApplied <= lastCommitted,
                        $"{id} applied through {machine.LastApplied} while Azurite was down (the last index committed before the outage is {lastCommitted})");
                }
                await Task.Delay(250);
            }

            // By now every peer has tried to write (a new entry or an election) and stopped: none answers.
            var states = await Task.WhenAll(raft.PeerIds.Select(async id =>
            {
                try
                {
                    return $"{id}: {await raft.Peer(id).GetStatus().WaitAsync(TimeSpan.FromSeconds(5))}";
                }
                catch (Exception exception)
                {
                    return $"{id}: {exception.GetType().Name}: {exception.Message}";
                }
            }));
            _output.WriteLine($"{_log.Now.TotalSeconds:F3}s: after {window.Elapsed.TotalSeconds:F1} s of outage:");
            foreach (var state in states)
            {
                _output.WriteLine("  " + state);
            }
            _output.WriteLine($"distinct answers to {proposals} Starts during the outage:");
            foreach (var error in errors.Select(Redact).Distinct())
            {
                _output.WriteLine("  " + error);
            }
            Assert.DoesNotContain(errors, e => e.Contains("as leader", StringComparison.Ordinal));
        }
        finally
        {
            _azurite.Start();
            outageEnd = _log.Now;
        }

        // Every peer deactivated after its failed write and nothing runs until a call arrives: show what is active.
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        _output.WriteLine($"{_log.Now.TotalSeconds:F3}s: 1.5 s after Azurite came back, with no calls: active peers: " +
            string.Join(", ", raft.PeerIds.Where(id => raft.Cluster.IsActive(raft.GrainIdOf(id)))) + " (none listed = none active)");

        // Azurite is back: client traffic alone (no restart by the test) brings the group back, with everything intact.
        var resumeClock = Stopwatch.StartNew();
        var resumed = await ProposeUntilCommittedAsync(raft, "after-outage", TimeSpan.FromSeconds(20));
        _output.WriteLine($"{_log.Now.TotalSeconds:F3}s: 'after-outage' committed at {resumed} on every peer, {resumeClock.ElapsedMilliseconds} ms after Azurite came back");
        AssertStillThere(raft, acknowledged);
        acknowledged[resumed] = "after-outage";

        // Every peer restarts from Azurite: still everything, and new entries commit.
        foreach (var id in raft.PeerIds)
        {
            raft.Cluster.RestartGrain(raft.GrainIdOf(id));
        }
        await WakeAllAsync(raft);
        var afterRestart = await ProposeUntilCommittedAsync(raft, "after-restart", TimeSpan.FromSeconds(20));
        AssertStillThere(raft, acknowledged);
        acknowledged[afterRestart] = "after-restart";
        await CommitAsync(raft, "more", 3, acknowledged);
        AssertStillThere(raft, acknowledged);
        raft.AssertNoApplyErrors();

        _output.WriteLine("---- silo log during the outage (peer events, errors; retry warnings left out) ----");
        _log.WriteTo(_output, outageStart - TimeSpan.FromMilliseconds(200), outageEnd + TimeSpan.FromSeconds(2),
            line => line.Category.EndsWith(".RaftPeer", StringComparison.Ordinal)
                || (line.Level >= LogLevel.Warning && !(line.Level == LogLevel.Warning && line.Category.EndsWith("AzureBlobGrainStorage", StringComparison.Ordinal))));
    });

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
    private static async Task CommitAsync(RaftTestCluster raft, string prefix, int count, SortedDictionary<long, string> acknowledged)
    {
        var one = count / 2;
        for (var i = 0; i < one; i++)
        {
            var command = $"{prefix}-{i}";
            acknowledged[await raft.OneAsync(command, timeout: TimeSpan.FromSeconds(20))] = command;
        }
        var (leader, _) = await raft.WaitForLeaderAsync(timeout: TimeSpan.FromSeconds(10));
        var burst = Enumerable.Range(one, count - one).Select(i => $"{prefix}-{i}").ToArray();
        var results = await Task.WhenAll(burst.Select(command => raft.Peer(leader).Start(Encoding.UTF8.GetBytes(command))));
        var fence = $"{prefix}-fence";
        acknowledged[await raft.OneAsync(fence, timeout: TimeSpan.FromSeconds(20))] = fence;
        foreach (var (command, result) in burst.Zip(results))
        {
            if (result.IsLeader && raft.PeerIds.All(id => raft.Machine(id).CommandAt(result.Index) == command))
            {
                acknowledged[result.Index] = command;
            }
            else
            {
                // The leader changed under the burst and the entry was replaced: offer it again.
                acknowledged[await raft.OneAsync(command, timeout: TimeSpan.FromSeconds(20))] = command;
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

    /// <summary>Crash-restarts every peer (or the silo), then wakes them: each new activation loads from Azurite.</summary>
    private async Task RestartEveryPeerAsync(RaftTestCluster raft, PeerRestart restart)
    {
        if (restart == PeerRestart.Silo)
        {
            await raft.Cluster.RestartSiloAsync(raft.Cluster.SiloNames[0]);
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

    /// <summary>Wakes every peer (activating the ones that are not).</summary>
    private static Task WakeAllAsync(RaftTestCluster raft) => Task.WhenAll(raft.PeerIds.Select(id => raft.Peer(id).Wake()));

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
        var blobs = await AzureRaft.ListBlobsAsync(_azurite, _container);
        foreach (var id in raft.PeerIds)
        {
            var mine = blobs.Where(b => b.Name.EndsWith($"-raftpeer/{id}", StringComparison.Ordinal)).Select(b => b.Name).ToArray();
            Assert.Contains($"raft-hardstate-raftpeer/{id}", mine);
            Assert.Contains($"raft-manifest-raftpeer/{id}", mine);
            Assert.Contains(mine, name => name.StartsWith("raft-log-", StringComparison.Ordinal));
            if (snapshot)
            {
                Assert.Contains($"raft-snapshot-raftpeer/{id}", mine);
            }
        }
    }
}
