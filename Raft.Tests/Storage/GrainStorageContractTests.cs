using Raft.Runtime;
using Raft.Runtime.Storage;
using Xunit;

namespace Raft.Tests.Storage;

/// <summary>
/// The IGrainStorage contract (Orleans semantics), run against every provider. A subclass supplies a fresh,
/// empty provider per test through <see cref="CreateStorageAsync"/> and cleans up in
/// <see cref="DisposeStorageAsync"/> (by default: dispose the provider if it is disposable).
/// xunit creates one instance per test, so every test starts from an empty store.
/// </summary>
public abstract class GrainStorageContractTests : IAsyncLifetime
{
    private IGrainStorage? _storage;

    protected static readonly GrainId Grain = new("peer", "a");
    protected const string StateName = "hard";

    protected IGrainStorage Storage => _storage ?? throw new InvalidOperationException("InitializeAsync has not run.");

    /// <summary>Creates an empty provider. Called once per test.</summary>
    protected abstract Task<IGrainStorage> CreateStorageAsync();

    /// <summary>Releases the provider and anything created for it (files, containers).</summary>
    protected virtual async Task DisposeStorageAsync(IGrainStorage storage)
    {
        if (storage is IAsyncDisposable asyncDisposable)
        {
            await asyncDisposable.DisposeAsync();
        }
        else if (storage is IDisposable disposable)
        {
            disposable.Dispose();
        }
    }

    public virtual async Task InitializeAsync() => _storage = await CreateStorageAsync();

    public virtual async Task DisposeAsync()
    {
        if (_storage is not null)
        {
            await DisposeStorageAsync(_storage);
        }
    }

    protected static GrainState<StorageTestState> Fresh() => new(new StorageTestState());

    protected async Task<GrainState<StorageTestState>> ReadAsync(string stateName, GrainId grainId)
    {
        var state = Fresh();
        await Storage.ReadStateAsync(stateName, grainId, state);
        return state;
    }

    protected async Task<GrainState<StorageTestState>> WriteNewAsync(string stateName, GrainId grainId, StorageTestState value)
    {
        var state = new GrainState<StorageTestState>(value);
        await Storage.WriteStateAsync(stateName, grainId, state);
        return state;
    }

    /// <summary>
    /// The provider in its mode where a clear leaves a cleared marker (<see cref="IGrainStorage.ClearKeepsRecord"/>), on
    /// the same (empty) store; null when it has no such mode, and then the tests of that mode pass without checking.
    /// </summary>
    protected virtual IGrainStorage? StorageThatKeepsClearedRecords() => null;

    [Fact]
    public async Task With_cleared_records_kept_a_clear_leaves_a_marker_that_reads_as_missing_but_keeps_its_etag()
    {
        if (StorageThatKeepsClearedRecords() is not { } storage)
        {
            return;
        }
        Assert.True(storage.ClearKeepsRecord);
        var state = new GrainState<StorageTestState>(StorageTestState.Sample("doomed", 4));
        await storage.WriteStateAsync(StateName, Grain, state);
        var writtenEtag = state.ETag;

        await storage.ClearStateAsync(StateName, Grain, state);
        Assert.False(state.RecordExists);
        Assert.NotNull(state.ETag);
        Assert.NotEqual(writtenEtag, state.ETag);

        var read = Fresh();
        await storage.ReadStateAsync(StateName, Grain, read);
        Assert.False(read.RecordExists);
        Assert.Equal(state.ETag, read.ETag);
        Assert.Null(read.State.Name);

        var conflict = await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(StateName, Grain, Fresh()));
        Assert.Equal(state.ETag, conflict.StoredEtag);
        read.State = StorageTestState.Sample("reborn", 5);
        await storage.WriteStateAsync(StateName, Grain, read);
        Assert.True(read.RecordExists);
    }

    /// <summary>
    /// The fence of a Raft peer's activation (Raft.Grains/Peer/PERSISTENCE.md): a crashed activation may still have a
    /// write on its way, conditioned on the ETag it held or on "must not exist". The new activation rewrites what it read
    /// under the ETag it read: the same state again, or a clear where it read no record. The late write then fails.
    /// </summary>
    [Fact]
    public async Task With_cleared_records_kept_a_fence_refuses_a_late_write_and_a_late_creation()
    {
        if (StorageThatKeepsClearedRecords() is not { } storage)
        {
            return;
        }
        var written = new GrainState<StorageTestState>(StorageTestState.Sample("written", 1));
        await storage.WriteStateAsync("written", Grain, written);
        var lateWrite = new GrainState<StorageTestState>(StorageTestState.Sample("late", 2), written.ETag, recordExists: true);
        var cleared = new GrainState<StorageTestState>(StorageTestState.Sample("cleared", 3));
        await storage.WriteStateAsync("cleared", Grain, cleared);
        await storage.ClearStateAsync("cleared", Grain, cleared);

        foreach (var name in new[] { "written", "cleared", "never-written" })
        {
            var read = Fresh();
            await storage.ReadStateAsync(name, Grain, read);
            await (read.RecordExists ? storage.WriteStateAsync(name, Grain, read) : storage.ClearStateAsync(name, Grain, read));
        }

        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("written", Grain, lateWrite));
        foreach (var name in new[] { "cleared", "never-written" })
        {
            var lateCreation = new GrainState<StorageTestState>(StorageTestState.Sample("late", 4));
            await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(name, Grain, lateCreation));
            var read = Fresh();
            await storage.ReadStateAsync(name, Grain, read);
            Assert.False(read.RecordExists);
        }
        var kept = Fresh();
        await storage.ReadStateAsync("written", Grain, kept);
        Assert.Equal("written", kept.State.Name);
    }

    [Fact]
    public async Task Read_of_a_missing_record_gives_fresh_state_null_etag_and_not_exists()
    {
        var state = new GrainState<StorageTestState>(StorageTestState.Sample("stale", 9), "some-etag", recordExists: true);

        await Storage.ReadStateAsync(StateName, Grain, state);

        Assert.False(state.RecordExists);
        Assert.Null(state.ETag);
        Assert.NotNull(state.State);
        Assert.Null(state.State.Name);
        Assert.Equal(0, state.State.Count);
        Assert.Empty(state.State.Items);
    }

    [Fact]
    public async Task Write_then_read_back_into_a_fresh_state_object()
    {
        var value = StorageTestState.Sample("one", 1);
        var written = await WriteNewAsync(StateName, Grain, value);

        Assert.True(written.RecordExists);
        Assert.False(string.IsNullOrEmpty(written.ETag));

        var read = await ReadAsync(StateName, Grain);
        Assert.True(read.RecordExists);
        Assert.Equal(written.ETag, read.ETag);
        Assert.NotSame(value, read.State);
        value.AssertEqual(read.State);
    }

    [Fact]
    public async Task Stored_state_is_a_copy_not_an_alias()
    {
        var value = StorageTestState.Sample("orig", 1);
        await WriteNewAsync(StateName, Grain, value);
        value.Name = "mutated after write";
        value.Items.Add("extra");

        var first = await ReadAsync(StateName, Grain);
        first.State.Items.Add("mutated after read");
        var second = await ReadAsync(StateName, Grain);

        Assert.Equal("orig", second.State.Name);
        StorageTestState.Sample("orig", 1).AssertEqual(second.State);
    }

    [Fact]
    public async Task Etag_changes_on_every_write()
    {
        var state = await WriteNewAsync(StateName, Grain, StorageTestState.Sample("v", 0));
        var etags = new List<string?> { state.ETag };
        for (var i = 1; i <= 5; i++)
        {
            state.State.Count = i;
            await Storage.WriteStateAsync(StateName, Grain, state);
            etags.Add(state.ETag);
        }

        Assert.All(etags, Assert.NotNull);
        Assert.Equal(etags.Count, etags.Distinct().Count());
        var read = await ReadAsync(StateName, Grain);
        Assert.Equal(etags[^1], read.ETag);
        Assert.Equal(5, read.State.Count);
    }

    [Fact]
    public async Task Write_with_a_stale_etag_conflicts_and_leaves_the_record_alone()
    {
        var first = await WriteNewAsync(StateName, Grain, StorageTestState.Sample("first", 1));
        var staleEtag = first.ETag;
        var other = await ReadAsync(StateName, Grain);
        other.State.Name = "second";
        await Storage.WriteStateAsync(StateName, Grain, other);

        first.State.Name = "loser";
        var ex = await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteStateAsync(StateName, Grain, first));

        Assert.Equal(other.ETag, ex.StoredEtag);
        Assert.Equal(staleEtag, ex.CurrentEtag);
        Assert.Equal(staleEtag, first.ETag);
        var read = await ReadAsync(StateName, Grain);
        Assert.Equal("second", read.State.Name);
        Assert.Equal(other.ETag, read.ETag);
    }

    [Fact]
    public async Task Write_with_null_etag_over_an_existing_record_conflicts()
    {
        var existing = await WriteNewAsync(StateName, Grain, StorageTestState.Sample("existing", 1));

        var ex = await Assert.ThrowsAsync<InconsistentStateException>(
            () => Storage.WriteStateAsync(StateName, Grain, new GrainState<StorageTestState>(StorageTestState.Sample("intruder", 2))));

        Assert.Equal(existing.ETag, ex.StoredEtag);
        Assert.Null(ex.CurrentEtag);
        Assert.Equal("existing", (await ReadAsync(StateName, Grain)).State.Name);
    }

    [Fact]
    public async Task Write_with_an_etag_to_a_missing_record_conflicts()
    {
        var written = await WriteNewAsync(StateName, Grain, StorageTestState.Sample("x", 1));
        var state = new GrainState<StorageTestState>(StorageTestState.Sample("y", 2), written.ETag);

        var ex = await Assert.ThrowsAsync<InconsistentStateException>(
            () => Storage.WriteStateAsync(StateName, new GrainId("peer", "never-written"), state));

        Assert.Null(ex.StoredEtag);
        Assert.Equal(written.ETag, ex.CurrentEtag);
        Assert.False((await ReadAsync(StateName, new GrainId("peer", "never-written"))).RecordExists);
    }

    [Fact]
    public async Task Clear_then_read_gives_a_missing_record()
    {
        var state = await WriteNewAsync(StateName, Grain, StorageTestState.Sample("doomed", 1));

        await Storage.ClearStateAsync(StateName, Grain, state);

        Assert.Null(state.ETag);
        Assert.False(state.RecordExists);
        var read = await ReadAsync(StateName, Grain);
        Assert.False(read.RecordExists);
        Assert.Null(read.ETag);
        Assert.Null(read.State.Name);
    }

    [Fact]
    public async Task After_clear_the_record_can_be_created_again_and_old_etags_stay_stale()
    {
        var state = await WriteNewAsync(StateName, Grain, StorageTestState.Sample("first life", 1));
        var etagBeforeClear = state.ETag;
        await Storage.ClearStateAsync(StateName, Grain, state);

        var reborn = await WriteNewAsync(StateName, Grain, StorageTestState.Sample("second life", 2));

        var stale = new GrainState<StorageTestState>(StorageTestState.Sample("zombie", 3), etagBeforeClear, recordExists: true);
        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteStateAsync(StateName, Grain, stale));
        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.ClearStateAsync(StateName, Grain, stale));
        var read = await ReadAsync(StateName, Grain);
        Assert.Equal("second life", read.State.Name);
        Assert.Equal(reborn.ETag, read.ETag);
    }

    [Fact]
    public async Task Clear_with_a_stale_etag_conflicts_and_keeps_the_record()
    {
        var first = await WriteNewAsync(StateName, Grain, StorageTestState.Sample("v1", 1));
        var staleEtag = first.ETag;
        first.State.Name = "v2";
        await Storage.WriteStateAsync(StateName, Grain, first);
        var current = first.ETag;

        var stale = new GrainState<StorageTestState>(new StorageTestState(), staleEtag, recordExists: true);
        var ex = await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.ClearStateAsync(StateName, Grain, stale));

        Assert.Equal(current, ex.StoredEtag);
        Assert.Equal(staleEtag, ex.CurrentEtag);
        var read = await ReadAsync(StateName, Grain);
        Assert.True(read.RecordExists);
        Assert.Equal("v2", read.State.Name);
    }

    [Fact]
    public async Task Clear_with_null_etag_conflicts_when_the_record_exists_and_is_a_no_op_when_it_does_not()
    {
        var existing = await WriteNewAsync(StateName, Grain, StorageTestState.Sample("kept", 1));
        var ex = await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.ClearStateAsync(StateName, Grain, Fresh()));
        Assert.Equal(existing.ETag, ex.StoredEtag);
        Assert.True((await ReadAsync(StateName, Grain)).RecordExists);

        var missing = Fresh();
        await Storage.ClearStateAsync(StateName, new GrainId("peer", "nobody"), missing);
        Assert.Null(missing.ETag);
        Assert.False(missing.RecordExists);
    }

    [Fact]
    public async Task Large_state_round_trips()
    {
        var blob = new byte[2 * 1024 * 1024];
        new Random(42).NextBytes(blob);
        var value = new StorageTestState { Name = "large", Blob = blob };
        var state = await WriteNewAsync(StateName, Grain, value);

        var read = await ReadAsync(StateName, Grain);
        Assert.Equal(blob, read.State.Blob);

        // And it can be overwritten with something small.
        state.State = StorageTestState.Sample("small", 1);
        await Storage.WriteStateAsync(StateName, Grain, state);
        StorageTestState.Sample("small", 1).AssertEqual((await ReadAsync(StateName, Grain)).State);
    }

    [Fact]
    public async Task Concurrent_writers_with_the_same_etag_exactly_one_wins_each_round()
    {
        const int Writers = 8;
        const int Rounds = 10;
        await WriteNewAsync(StateName, Grain, StorageTestState.Sample("start", -1));

        for (var round = 0; round < Rounds; round++)
        {
            var start = await ReadAsync(StateName, Grain);
            var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var attempts = Enumerable.Range(0, Writers).Select(writer => Task.Run(async () =>
            {
                var mine = new GrainState<StorageTestState>(StorageTestState.Sample($"r{round}w{writer}", writer), start.ETag, recordExists: true);
                await gate.Task;
                try
                {
                    await Storage.WriteStateAsync(StateName, Grain, mine);
                    return (Won: true, State: mine, Error: (Exception?)null);
                }
                catch (Exception ex)
                {
                    return (Won: false, State: mine, Error: ex);
                }
            })).ToArray();
            gate.SetResult();
            var results = await Task.WhenAll(attempts);

            var winner = Assert.Single(results, r => r.Won);
            Assert.All(results.Where(r => !r.Won), r =>
            {
                var conflict = Assert.IsType<InconsistentStateException>(r.Error);
                Assert.Equal(start.ETag, conflict.CurrentEtag);
            });
            var read = await ReadAsync(StateName, Grain);
            Assert.Equal(winner.State.ETag, read.ETag);
            winner.State.State.AssertEqual(read.State);
        }
    }

    [Fact]
    public async Task Concurrent_writers_to_different_records_all_succeed()
    {
        var writes = Enumerable.Range(0, 16).Select(i => Task.Run(async () =>
        {
            var id = new GrainId("peer", $"g{i}");
            var state = await WriteNewAsync(StateName, id, StorageTestState.Sample($"g{i}", 0));
            for (var n = 1; n <= 5; n++)
            {
                state.State.Count = n;
                await Storage.WriteStateAsync(StateName, id, state);
            }
        })).ToArray();
        await Task.WhenAll(writes);

        for (var i = 0; i < 16; i++)
        {
            var read = await ReadAsync(StateName, new GrainId("peer", $"g{i}"));
            Assert.Equal($"g{i}", read.State.Name);
            Assert.Equal(5, read.State.Count);
        }
    }

    [Fact]
    public async Task State_names_and_grain_ids_are_isolated()
    {
        var ids = new[]
        {
            new GrainId("peer", "a"),
            new GrainId("peer", "b"),
            new GrainId("other", "a"),
            new GrainId("peer", "a/b"),
            new GrainId("peer", "ключ ✓"),
        };
        var names = new[] { "hard", "log-0", "Hard" };
        var written = new Dictionary<(string, GrainId), GrainState<StorageTestState>>();
        foreach (var id in ids)
        {
            foreach (var name in names)
            {
                written[(name, id)] = await WriteNewAsync(name, id, StorageTestState.Sample($"{name}|{id}", written.Count));
            }
        }

        // Clearing and rewriting one record touches nothing else.
        var cleared = written[("hard", ids[0])];
        await Storage.ClearStateAsync("hard", ids[0], cleared);
        var rewritten = written[("log-0", ids[0])];
        rewritten.State.Name = "rewritten";
        await Storage.WriteStateAsync("log-0", ids[0], rewritten);

        foreach (var ((name, id), state) in written)
        {
            var read = await ReadAsync(name, id);
            if (name == "hard" && id == ids[0])
            {
                Assert.False(read.RecordExists);
                continue;
            }
            Assert.True(read.RecordExists);
            Assert.Equal(state.ETag, read.ETag);
            Assert.Equal(name == "log-0" && id == ids[0] ? "rewritten" : $"{name}|{id}", read.State.Name);
        }
    }
}
