using Raft.Grains;
using Raft.Grains.Interfaces;
using Raft.Grains.Protocol;
using Orleans.Storage;
using Raft.TestingHost;
using Xunit;

namespace Raft.Tests.Peer;

/// <summary>
/// The record layout of <see cref="RaftPeerStore"/> against crashes between record writes: a follower core goes
/// through appends, conflicting overwrites, compactions and installed snapshots; every delta is written once per
/// possible crash point (after 0, 1, 2, ... record writes) and reloaded. The reloaded state must be the old or the
/// new one piecewise (hard state, snapshot), its log consistent with the old or the new log, and never missing an
/// entry the old log held before the delta's first dirty index (those may have been acknowledged). Each reload is
/// itself crashed at every point of its repair and fence writes. On fenced storage, the write in flight at each crash
/// (the one the budget refused) is landed late after the next activation, and must be refused.
/// </summary>
public sealed class RaftPeerStoreTests
{
    private static readonly GrainId Grain = GrainId.Create("raftpeer", "kv/0");

    /// <summary>
    /// Fenced: storage that declares late writes and keeps cleared records (as Azure Blob storage), so every load also
    /// fences, and every segment that is re-created (after a truncation, or beyond the manifest range after a reload)
    /// must be read for its cleared marker's ETag first.
    /// </summary>
    [Theory]
    [InlineData(1, 3, false)]
    [InlineData(2, 4, false)]
    [InlineData(3, 5, false)]
    [InlineData(4, 1, false)]
    [InlineData(1, 3, true)]
    [InlineData(4, 1, true)]
    public async Task EveryCrashPointBetweenRecordWritesLeavesARecoverableLog(int seed, int entriesPerSegment, bool fenced)
    {
        var random = new Random(seed);
        var node = new RaftNode("kv/0", ["kv/0", "kv/1"]);
        var storage = new CopyableMemoryStorage(fenced);
        var model = new LogModel();
        long leaderTerm = 1;
        long floor = 0; // never truncate at or below: the model's committed prefix
        var crashesChecked = 0;

        for (var step = 0; step < 80; step++)
        {
            var before = storage.Copy();
            var oldModel = model.Copy(node);
            var op = random.Next(10);
            if (op < 4 || node.Log.LastIndex == node.SnapshotIndex)
            {
                Append(node, leaderTerm, random.Next(1, 2 * entriesPerSegment + 2), floor);
            }
            else if (op < 6)
            {
                var lowest = Math.Max(floor, node.SnapshotIndex) + 1;
                if (lowest <= node.Log.LastIndex)
                {
                    leaderTerm++;
                    var at = random.NextInt64(lowest, node.Log.LastIndex + 1);
                    Overwrite(node, leaderTerm, at, random.Next(0, 2 * entriesPerSegment), floor);
                }
            }
            else if (op < 8)
            {
                floor = Math.Max(floor, node.Log.LastIndex);
                Append(node, leaderTerm, 0, floor); // commits everything so far
                if (node.CommitIndex > node.SnapshotIndex)
                {
                    var index = random.NextInt64(node.SnapshotIndex + 1, node.CommitIndex + 1);
                    Assert.Equal(CompactionResult.Compacted, node.CompactTo(index, BitConverter.GetBytes(index)));
                }
            }
            else if (op < 9)
            {
                // A leader's snapshot past our log: the log is discarded.
                leaderTerm++;
                var index = node.Log.LastIndex + random.Next(1, 3 * entriesPerSegment);
                node.HandleInstallSnapshot(new InstallSnapshotRequest(leaderTerm, "kv/1", index, leaderTerm, BitConverter.GetBytes(index)));
                floor = index;
            }
            else
            {
                node.HandleRequestVote(new RequestVoteRequest(++leaderTerm, "kv/1", node.Log.LastIndex, node.Log.LastTerm));
            }

            var delta = node.TakeUnpersisted();
            var newModel = model.Copy(node);
            var firstDirty = delta.FirstDirtyIndex ?? long.MaxValue;

            for (var budget = 0; ; budget++)
            {
                var crashed = before.Copy();
                var store = await LoadAsync(crashed, entriesPerSegment);
                var plan = store.Plan(delta, node.Log);
                crashed.WriteBudget = budget;
                var completed = true;
                try
                {
                    await store.ExecuteAsync(plan);
                }
                catch (Exception crash) when (IsSimulatedCrash(crash))
                {
                    completed = false;
                }
                crashed.WriteBudget = null;
                var where = $"seed {seed} step {step}, " + (completed ? "after the full write" : $"crash after {budget} writes");
                var (activation, loaded) = await ActivateThroughEveryCrashPointAsync(crashed, entriesPerSegment, where);
                crashesChecked += activation.CrashesChecked;
                if (completed)
                {
                    newModel.AssertEqual(loaded, where);
                    Assert.True(fenced || activation.Writes == 0, $"{where}: a clean activation wrote {activation.Writes} records");
                    break;
                }
                crashesChecked++;
                AssertRecoverable(loaded, oldModel, newModel, firstDirty, where);
                if (fenced)
                {
                    AssertLandsTooLate(crashed, crashed.Refused!, where);
                }
            }

            var live = await LoadAsync(before, entriesPerSegment);
            await live.ExecuteAsync(live.Plan(delta, node.Log));
            storage = before;
            node.OnLocalPersisted(delta.LastLogIndex, delta.LastLogTerm);
            model = newModel;
        }
        Assert.True(crashesChecked > 50, $"only {crashesChecked} crash points were exercised");
    }

    /// <summary>
    /// Activates on <paramref name="storage"/> once per possible crash point of the activation's own writes (repair and
    /// fence: after 0, 1, 2, ... of them), each on a copy: the activation after that crash must load exactly what an
    /// uncrashed activation loads (repair clears only what is not in the chain, the fence rewrites what it read), and on
    /// fenced storage the write in flight at the crash must be refused when it lands after that activation. Then
    /// activates on <paramref name="storage"/> itself, and returns its record writes and what it loaded.
    /// </summary>
    private static async Task<((int CrashesChecked, long Writes) Activation, DurableState Loaded)> ActivateThroughEveryCrashPointAsync(
        CopyableMemoryStorage storage, int entriesPerSegment, string where)
    {
        var afterCrashes = new List<(DurableState Loaded, string Where)>();
        for (var budget = 0; ; budget++)
        {
            var crashed = storage.Copy();
            crashed.WriteBudget = budget;
            try
            {
                await LoadStoreAsync(crashed, entriesPerSegment);
                break;
            }
            catch (Exception crash) when (IsSimulatedCrash(crash))
            {
            }
            crashed.WriteBudget = null;
            var crashWhere = $"{where}, then an activation crash after {budget} writes";
            afterCrashes.Add(((await LoadStoreAsync(crashed, entriesPerSegment)).State, crashWhere));
            if (crashed.Fenced)
            {
                AssertLandsTooLate(crashed, crashed.Refused!, crashWhere);
            }
        }
        var (store, loaded) = await LoadStoreAsync(storage, entriesPerSegment);
        foreach (var (afterCrash, crashWhere) in afterCrashes)
        {
            Assert.True(Describe(afterCrash) == Describe(loaded), $"{crashWhere}: loaded {Describe(afterCrash)}, without the crash {Describe(loaded)}");
        }
        return ((afterCrashes.Count, store.RecordWrites), loaded);
    }

    /// <summary>
    /// A write in flight when its activation crashed, landing after the next activation's load and fence (which ran on
    /// <paramref name="storage"/> since): whatever record it is, its ETag condition must fail, or it would change a
    /// record under the activation that read it.
    /// </summary>
    private static void AssertLandsTooLate(CopyableMemoryStorage storage, SentWrite inFlight, string where)
    {
        var landed = Record.Exception(() => storage.Land(inFlight));
        Assert.True(landed is InconsistentStateException,
            $"{where}: the {(inFlight.Bytes is null ? "clear" : "write")} of '{inFlight.Name}' in flight at the crash landed after the next activation's fence ({landed?.Message ?? "accepted"})");
    }

    [Fact]
    public async Task AnAppendRewritesOnlyTheTailSegmentAndTheManifestOnlyGrowsAtSegmentBoundaries()
    {
        var storage = new CopyableMemoryStorage();
        var store = await LoadAsync(storage, entriesPerSegment: 4);
        var node = new RaftNode("kv/0", ["kv/0", "kv/1"]);

        async Task<long> AppendAndCountWrites(int count)
        {
            var writes = store.RecordWrites;
            Append(node, 1, count, 0);
            var delta = node.TakeUnpersisted();
            await store.ExecuteAsync(store.Plan(delta, node.Log));
            node.OnLocalPersisted(delta.LastLogIndex, delta.LastLogTerm);
            return store.RecordWrites - writes;
        }

        Assert.Equal(3, await AppendAndCountWrites(1)); // hard state (term 1), manifest, raft-log-0
        Assert.Equal(1, await AppendAndCountWrites(1)); // raft-log-0
        Assert.Equal(1, await AppendAndCountWrites(2)); // raft-log-0, now full
        Assert.Equal(2, await AppendAndCountWrites(1)); // manifest grows, raft-log-1
        Assert.Equal(3, await AppendAndCountWrites(4)); // raft-log-1, manifest, raft-log-2
        Assert.Equal(["raft-hardstate", "raft-log-0", "raft-log-1", "raft-log-2", "raft-manifest"], storage.Names.Order());
    }

    [Fact]
    public async Task CompactionWritesTheSnapshotAndTrimsTheSegmentsBelowIt()
    {
        var storage = new CopyableMemoryStorage();
        var store = await LoadAsync(storage, entriesPerSegment: 4);
        var node = new RaftNode("kv/0", ["kv/0", "kv/1"]);
        Append(node, 1, 10, 0);
        Append(node, 1, 0, 10); // commit through 10
        await Flush(node, store);
        var sizeBefore = store.PersistedSize;

        Assert.Equal(CompactionResult.Compacted, node.CompactTo(9, [9]));
        await Flush(node, store);

        // Segments 0 and 1 (1..8) are gone, segment 2 (9..12) is rewritten as just entry 10.
        Assert.Equal(["raft-hardstate", "raft-log-2", "raft-manifest", "raft-snapshot"], storage.Names.Order());
        Assert.True(store.PersistedSize < sizeBefore / 2, $"{store.PersistedSize} bytes after trimming, {sizeBefore} before");
        var (_, loaded) = await LoadStoreAsync(storage, 4);
        Assert.Equal(9, loaded.Snapshot!.Index);
        Assert.Equal([10L], loaded.Entries.Select(e => e.Index));
    }

    internal static async Task Flush(RaftNode node, RaftPeerStore store)
    {
        var delta = node.TakeUnpersisted();
        await store.ExecuteAsync(store.Plan(delta, node.Log));
        node.OnLocalPersisted(delta.LastLogIndex, delta.LastLogTerm);
    }

    private static void AssertRecoverable(DurableState loaded, LogModel oldModel, LogModel newModel, long firstDirty, string where)
    {
        Assert.True(loaded.HardState == oldModel.HardState || loaded.HardState == newModel.HardState,
            $"{where}: hard state {loaded.HardState} is neither the old {oldModel.HardState} nor the new {newModel.HardState}");
        var snapshotIndex = loaded.Snapshot?.Index ?? 0;
        Assert.True(snapshotIndex == oldModel.SnapshotIndex || snapshotIndex == newModel.SnapshotIndex,
            $"{where}: snapshot at {snapshotIndex}, old {oldModel.SnapshotIndex}, new {newModel.SnapshotIndex}");
        for (var i = 0; i < loaded.Entries.Count; i++)
        {
            Assert.Equal(snapshotIndex + 1 + i, loaded.Entries[i].Index);
        }
        Assert.True(oldModel.IsConsistentWith(loaded.Entries) || newModel.IsConsistentWith(loaded.Entries),
            $"{where}: the log {Describe(loaded.Entries)} matches neither the old {oldModel} nor the new {newModel}");
        var mustKeep = Math.Min(firstDirty - 1, oldModel.LastIndex);
        var lastLoaded = snapshotIndex + loaded.Entries.Count;
        Assert.True(lastLoaded >= mustKeep,
            $"{where}: lost entries through {mustKeep} that the old log held before the dirty index {firstDirty} (loaded through {lastLoaded})");
    }

    private static string Describe(DurableState state) =>
        $"{state.HardState} snapshot {state.Snapshot?.Index ?? 0} " + Describe(state.Entries) + " " + string.Join(",", state.Entries.Select(e => Convert.ToHexString(e.Command)));

    private static string Describe(IEnumerable<LogEntry> entries) => "[" + string.Join(" ", entries.Select(e => $"{e.Index}:{e.Term}")) + "]";

    internal static void Append(RaftNode node, long term, int count, long leaderCommit)
    {
        var last = node.Log.LastIndex;
        var entries = Enumerable.Range(1, count).Select(i => new LogEntry(last + i, term, BitConverter.GetBytes(last + i))).ToArray();
        var result = node.HandleAppendEntries(new AppendEntriesRequest(term, "kv/1", last, node.Log.LastTerm, entries, leaderCommit));
        Assert.True(result.Response.Success);
    }

    internal static void Overwrite(RaftNode node, long term, long at, int count, long leaderCommit)
    {
        var entries = Enumerable.Range(0, count + 1).Select(i => new LogEntry(at + i, term, BitConverter.GetBytes(-(at + i)))).ToArray();
        var result = node.HandleAppendEntries(new AppendEntriesRequest(term, "kv/1", at - 1, node.Log.TermAt(at - 1)!.Value, entries, leaderCommit));
        Assert.True(result.Response.Success);
    }

    internal static async Task<RaftPeerStore> LoadAsync(CopyableMemoryStorage storage, int entriesPerSegment)
    {
        var (store, _) = await LoadStoreAsync(storage, entriesPerSegment);
        return store;
    }

    /// <summary>Peer kv/0's records on the Orleans grain storage <paramref name="storage"/>, named <paramref name="name"/>, declaring <paramref name="traits"/>.</summary>
    internal static IPeerStorage PeerStorage(IGrainStorage storage, PeerStorageTraits traits, string name = "Default") =>
        new GrainPeerStorage(storage, Grain, name, traits, RaftStorageSerializer.Serializer);

    /// <summary>Peer kv/0's store, not loaded yet.</summary>
    internal static RaftPeerStore NewStore(IPeerStorage storage, int entriesPerSegment) => new("kv/0", storage, entriesPerSegment);

    /// <summary>A store as an activation opens it: loaded, then repaired (and fenced, on fenced storage).</summary>
    internal static Task<(RaftPeerStore Store, DurableState State)> LoadStoreAsync(CopyableMemoryStorage storage, int entriesPerSegment) =>
        LoadStoreAsync(PeerStorage(storage, storage.Traits), entriesPerSegment);

    /// <summary>
    /// The write budget of <see cref="CopyableMemoryStorage"/> ran out: the storage's <see cref="SimulatedCrashException"/>
    /// reaches the store as the <see cref="PeerStorageException"/> every provider failure becomes.
    /// </summary>
    internal static bool IsSimulatedCrash(Exception exception) =>
        exception is SimulatedCrashException || (exception.InnerException is { } inner && IsSimulatedCrash(inner));

    /// <summary>A store as an activation opens it: loaded, then repaired (and fenced, on fenced storage).</summary>
    internal static async Task<(RaftPeerStore Store, DurableState State)> LoadStoreAsync(IPeerStorage storage, int entriesPerSegment)
    {
        var store = NewStore(storage, entriesPerSegment);
        var state = await store.LoadAsync();
        await store.RepairAndFenceAsync();
        return (store, state);
    }

    /// <summary>A peer's durable state as the test expects it: hard state, snapshot point and the whole log (null where unknown).</summary>
    private sealed class LogModel
    {
        public HardState HardState { get; private init; } = new(0, null);

        public long SnapshotIndex { get; private init; }

        public long LastIndex { get; private init; }

        private Dictionary<long, LogEntry> Entries { get; init; } = [];

        public LogModel Copy(RaftNode node)
        {
            var entries = new Dictionary<long, LogEntry>(Entries);
            foreach (var key in entries.Keys.Where(k => k > node.SnapshotIndex).ToArray())
            {
                entries.Remove(key); // rewritten below from the node; compacted ones are committed and kept
            }
            foreach (var entry in node.Log.Slice(node.SnapshotIndex + 1))
            {
                entries[entry.Index] = entry;
            }
            return new LogModel
            {
                HardState = new HardState(node.CurrentTerm, node.VotedFor),
                SnapshotIndex = node.SnapshotIndex,
                LastIndex = node.Log.LastIndex,
                Entries = entries,
            };
        }

        public bool IsConsistentWith(IReadOnlyList<LogEntry> loaded) =>
            loaded.All(e => e.Index <= LastIndex && (!Entries.TryGetValue(e.Index, out var known) || (known.Term == e.Term && known.Command.SequenceEqual(e.Command))));

        public void AssertEqual(DurableState loaded, string where)
        {
            Assert.True(loaded.HardState == HardState, $"{where}: hard state {loaded.HardState}, expected {HardState}");
            Assert.Equal(SnapshotIndex, loaded.Snapshot?.Index ?? 0);
            Assert.True(loaded.Entries.Count == LastIndex - SnapshotIndex && IsConsistentWith(loaded.Entries),
                $"{where}: log {Describe(loaded.Entries)}, expected {this}");
        }

        public override string ToString() =>
            $"snapshot {SnapshotIndex} + " + Describe(Entries.Values.Where(e => e.Index > SnapshotIndex).OrderBy(e => e.Index));
    }
}
