using Orleans;
using Orleans.Runtime;
using Orleans.Storage;
using Raft.Persistence.Sqlite;
using Xunit;

namespace Raft.Tests.Storage;

/// <summary>
/// The Orleans <see cref="IGrainStorage"/> contract, run against every provider, in each of its clear modes: through
/// <see cref="ClearDeletesContractTests"/> or <see cref="ClearKeepsMarkerContractTests"/>, which add what a clear
/// leaves behind. States are serialized by Orleans' binary serializer, the providers' default
/// (<see cref="StorageTestSerializer"/>). A subclass supplies a fresh,
/// empty provider per test through <see cref="CreateStorageAsync"/> and cleans up in
/// <see cref="DisposeStorageAsync"/> (by default: dispose the provider if it is disposable).
/// xunit creates one instance per test, so every test starts from an empty store.
/// </summary>
public abstract class GrainStorageContractTests : IAsyncLifetime
{
    private IGrainStorage? _storage;

    protected static readonly GrainId Grain = GrainId.Create("peer", "a");
    protected const string StateName = "hard";

    protected IGrainStorage Storage => _storage ?? throw new InvalidOperationException("InitializeAsync has not run.");

    /// <summary>Creates an empty provider. Called once per test.</summary>
    protected abstract Task<IGrainStorage> CreateStorageAsync();

    /// <summary>
    /// What the provider says a clear does (its ClearKeepsRecord property): Orleans' IGrainStorage has no such trait,
    /// so each provider declares it on its own type, and the clear suites check the declaration against the behaviour.
    /// </summary>
    protected abstract bool ProviderDeclaresClearKeepsRecord { get; }

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

    [Fact]
    public async Task Read_of_a_missing_record_gives_fresh_state_null_etag_and_not_exists()
    {
        var state = new GrainState<StorageTestState>(StorageTestState.Sample("stale", 9), "some-etag") { RecordExists = true };

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
        first.State!.Items.Add("mutated after read");
        var second = await ReadAsync(StateName, Grain);

        Assert.Equal("orig", second.State!.Name);
        StorageTestState.Sample("orig", 1).AssertEqual(second.State);
    }

    [Fact]
    public async Task Etag_changes_on_every_write()
    {
        var state = await WriteNewAsync(StateName, Grain, StorageTestState.Sample("v", 0));
        var etags = new List<string?> { state.ETag };
        for (var i = 1; i <= 5; i++)
        {
            state.State!.Count = i;
            await Storage.WriteStateAsync(StateName, Grain, state);
            etags.Add(state.ETag);
        }

        Assert.All(etags, Assert.NotNull);
        Assert.Equal(etags.Count, etags.Distinct().Count());
        var read = await ReadAsync(StateName, Grain);
        Assert.Equal(etags[^1], read.ETag);
        Assert.Equal(5, read.State!.Count);
    }

    [Fact]
    public async Task Write_with_a_stale_etag_conflicts_and_leaves_the_record_alone()
    {
        var first = await WriteNewAsync(StateName, Grain, StorageTestState.Sample("first", 1));
        var staleEtag = first.ETag;
        var other = await ReadAsync(StateName, Grain);
        other.State!.Name = "second";
        await Storage.WriteStateAsync(StateName, Grain, other);

        first.State!.Name = "loser";
        var ex = await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteStateAsync(StateName, Grain, first));

        Assert.Equal(other.ETag, ex.StoredEtag);
        Assert.Equal(staleEtag, ex.CurrentEtag);
        Assert.Equal(staleEtag, first.ETag);
        var read = await ReadAsync(StateName, Grain);
        Assert.Equal("second", read.State!.Name);
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
        Assert.Equal("existing", (await ReadAsync(StateName, Grain)).State!.Name);
    }

    [Fact]
    public async Task Write_with_an_etag_to_a_missing_record_conflicts()
    {
        var written = await WriteNewAsync(StateName, Grain, StorageTestState.Sample("x", 1));
        var state = new GrainState<StorageTestState>(StorageTestState.Sample("y", 2), written.ETag);

        var ex = await Assert.ThrowsAsync<InconsistentStateException>(
            () => Storage.WriteStateAsync(StateName, GrainId.Create("peer", "never-written"), state));

        Assert.Null(ex.StoredEtag);
        Assert.Equal(written.ETag, ex.CurrentEtag);
        Assert.False((await ReadAsync(StateName, GrainId.Create("peer", "never-written"))).RecordExists);
    }

    [Fact]
    public async Task Clear_with_a_stale_etag_conflicts_and_keeps_the_record()
    {
        var first = await WriteNewAsync(StateName, Grain, StorageTestState.Sample("v1", 1));
        var staleEtag = first.ETag;
        first.State!.Name = "v2";
        await Storage.WriteStateAsync(StateName, Grain, first);
        var current = first.ETag;

        var stale = new GrainState<StorageTestState>(new StorageTestState(), staleEtag) { RecordExists = true };
        var ex = await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.ClearStateAsync(StateName, Grain, stale));

        Assert.Equal(current, ex.StoredEtag);
        Assert.Equal(staleEtag, ex.CurrentEtag);
        var read = await ReadAsync(StateName, Grain);
        Assert.True(read.RecordExists);
        Assert.Equal("v2", read.State!.Name);
    }

    [Fact]
    public async Task Clear_with_null_etag_conflicts_when_the_record_exists()
    {
        var existing = await WriteNewAsync(StateName, Grain, StorageTestState.Sample("kept", 1));
        var ex = await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.ClearStateAsync(StateName, Grain, Fresh()));
        Assert.Equal(existing.ETag, ex.StoredEtag);
        Assert.True((await ReadAsync(StateName, Grain)).RecordExists);
    }

    [Fact]
    public async Task Large_state_round_trips()
    {
        var blob = new byte[2 * 1024 * 1024];
        new Random(42).NextBytes(blob);
        var value = new StorageTestState { Name = "large", Blob = blob };
        var state = await WriteNewAsync(StateName, Grain, value);

        var read = await ReadAsync(StateName, Grain);
        Assert.Equal(blob, read.State!.Blob);

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
                var mine = new GrainState<StorageTestState>(StorageTestState.Sample($"r{round}w{writer}", writer), start.ETag) { RecordExists = true };
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
            winner.State.State!.AssertEqual(read.State);
        }
    }

    [Fact]
    public async Task Concurrent_writers_to_different_records_all_succeed()
    {
        var writes = Enumerable.Range(0, 16).Select(i => Task.Run(async () =>
        {
            var id = GrainId.Create("peer", $"g{i}");
            var state = await WriteNewAsync(StateName, id, StorageTestState.Sample($"g{i}", 0));
            for (var n = 1; n <= 5; n++)
            {
                state.State!.Count = n;
                await Storage.WriteStateAsync(StateName, id, state);
            }
        })).ToArray();
        await Task.WhenAll(writes);

        for (var i = 0; i < 16; i++)
        {
            var read = await ReadAsync(StateName, GrainId.Create("peer", $"g{i}"));
            Assert.Equal($"g{i}", read.State!.Name);
            Assert.Equal(5, read.State.Count);
        }
    }

    [Fact]
    public async Task State_names_and_grain_ids_are_isolated()
    {
        var ids = new[]
        {
            GrainId.Create("peer", "a"),
            GrainId.Create("peer", "b"),
            GrainId.Create("other", "a"),
            GrainId.Create("peer", "a/b"),
            GrainId.Create("peer", "ключ ✓"),
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
        rewritten.State!.Name = "rewritten";
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
            Assert.Equal(name == "log-0" && id == ids[0] ? "rewritten" : $"{name}|{id}", read.State!.Name);
        }
    }

    [Fact]
    public async Task Missing_record_of_a_positional_record_type_reads_as_default_values()
    {
        var state = new GrainState<HardStateRecord>(new HardStateRecord(7, "x"), "etag") { RecordExists = true };
        await Storage.ReadStateAsync("hard", Grain, state);
        Assert.Equal(new HardStateRecord(0, null), state.State);

        state.State = new HardStateRecord(3, "b");
        await Storage.WriteStateAsync("hard", Grain, state);
        var read = new GrainState<HardStateRecord>(null!);
        await Storage.ReadStateAsync("hard", Grain, read);
        Assert.Equal(new HardStateRecord(3, "b"), read.State);
    }

    [Fact]
    public async Task A_record_that_does_not_deserialize_as_the_requested_type_is_a_storage_error_naming_the_record()
    {
        await Storage.WriteStateAsync("typed", Grain, new GrainState<string>("just a string"));

        var ex = await Assert.ThrowsAsync<GrainStateSerializationException>(() => ReadAsync("typed", Grain));

        Assert.Contains("typed of peer/a", ex.Message);
        Assert.Contains(nameof(StorageTestState), ex.Message);
    }
}
