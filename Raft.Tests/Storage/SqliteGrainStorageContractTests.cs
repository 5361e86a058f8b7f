using Microsoft.Data.Sqlite;
using Orleans;
using Orleans.Runtime;
using Orleans.Storage;
using Raft.Persistence.Sqlite;
using Xunit;

namespace Raft.Tests.Storage;

public sealed class SqliteGrainStorageContractTests : ClearDeletesContractTests
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "raft-sqlite-tests", Guid.NewGuid().ToString("N"));
    private readonly List<SqliteGrainStorage> _extra = new();

    private string DatabasePath => Path.Combine(_directory, "data", "raft.db");

    protected override async Task<IGrainStorage> CreateStorageAsync()
    {
        var storage = NewStorage(DatabasePath);
        await storage.InitializeAsync();
        return storage;
    }

    protected override async Task DisposeStorageAsync(IGrainStorage storage)
    {
        await base.DisposeStorageAsync(storage);
        foreach (var extra in _extra)
        {
            await extra.DisposeAsync();
        }
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    protected override bool ProviderDeclaresClearKeepsRecord => ((SqliteGrainStorage)Storage).ClearKeepsRecord;

    private static SqliteGrainStorage NewStorage(string path, TimeSpan? busyTimeout = null) =>
        new("test", new SqliteGrainStorageOptions
        {
            Path = path,
            BusyTimeout = busyTimeout ?? TimeSpan.FromSeconds(5),
            GrainStorageSerializer = StorageTestSerializer.Create(),
        });

    private SqliteGrainStorage Track(SqliteGrainStorage storage)
    {
        _extra.Add(storage);
        return storage;
    }

    /// <summary>A second, independent connection to the test database, for poking at the file behind the provider's back.</summary>
    private SqliteConnection OpenRaw()
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DatabasePath, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }

    [Fact]
    public async Task Data_survives_disposing_the_provider_and_opening_a_new_one()
    {
        var written = await WriteNewAsync(StateName, Grain, StorageTestState.Sample("durable", 42));
        await ((SqliteGrainStorage)Storage).DisposeAsync();

        var reopened = Track(NewStorage(DatabasePath));
        var read = Fresh();
        await reopened.ReadStateAsync(StateName, Grain, read);

        Assert.True(read.RecordExists);
        Assert.Equal(written.ETag, read.ETag);
        StorageTestState.Sample("durable", 42).AssertEqual(read.State);

        // The ETag read from the new provider is good for a conditional write, and the old one is stale.
        read.State!.Count = 43;
        await reopened.WriteStateAsync(StateName, Grain, read);
        await Assert.ThrowsAsync<InconsistentStateException>(() => reopened.WriteStateAsync(StateName, Grain, written));
    }

    [Fact]
    public async Task Writes_queued_together_commit_together_and_a_refused_one_fails_alone()
    {
        var sqlite = (SqliteGrainStorage)Storage;
        var stale = await WriteNewAsync(StateName, Grain, StorageTestState.Sample("old", 0));
        await Storage.WriteStateAsync(StateName, Grain, await ReadAsync(StateName, Grain));
        var commitsBefore = sqlite.GroupCommits;

        // Issued without awaiting, so they queue up behind each other on the provider's one connection.
        var states = Enumerable.Range(0, 40).Select(i => new GrainState<StorageTestState>(StorageTestState.Sample($"b{i}", i))).ToArray();
        var writes = states.Select((state, i) => Storage.WriteStateAsync(StateName, GrainId.Create("peer", $"batch{i}"), state)).ToList();
        var refused = Storage.WriteStateAsync(StateName, Grain, stale);
        await Task.WhenAll(writes);
        await Assert.ThrowsAsync<InconsistentStateException>(() => refused);
        Assert.True(sqlite.GroupCommits > commitsBefore, "no two of 41 queued writes shared a transaction");

        await sqlite.DisposeAsync();
        var reopened = Track(NewStorage(DatabasePath));
        for (var i = 0; i < states.Length; i++)
        {
            var read = Fresh();
            await reopened.ReadStateAsync(StateName, GrainId.Create("peer", $"batch{i}"), read);
            Assert.Equal(states[i].ETag, read.ETag);
            StorageTestState.Sample($"b{i}", i).AssertEqual(read.State);
        }
    }

    [Fact]
    public async Task Database_uses_wal_and_full_synchronous()
    {
        await WriteNewAsync(StateName, Grain, StorageTestState.Sample("x", 1));
        using var raw = OpenRaw();
        using var command = raw.CreateCommand();
        command.CommandText = "PRAGMA journal_mode;";
        Assert.Equal("wal", (string?)command.ExecuteScalar());
        command.CommandText = "PRAGMA user_version;";
        Assert.Equal(1L, (long?)command.ExecuteScalar());
    }

    [Theory]
    [InlineData("payload")]
    [InlineData("header")]
    [InlineData("truncate")]
    public async Task A_damaged_payload_is_a_corrupt_record_error_naming_grain_and_state(string damage)
    {
        var grain = GrainId.Create("peer", "corrupted");
        await WriteNewAsync("log-7", grain, StorageTestState.Sample("victim", 1));
        using (var raw = OpenRaw())
        {
            using var select = raw.CreateCommand();
            select.CommandText = "SELECT payload FROM grain_state WHERE grain_key = 'corrupted';";
            var payload = (byte[])select.ExecuteScalar()!;
            switch (damage)
            {
                case "payload": payload[^3] ^= 0x01; break;
                case "header": payload[0] ^= 0xFF; break;
                default: payload = payload[..^5]; break;
            }
            using var update = raw.CreateCommand();
            update.CommandText = "UPDATE grain_state SET payload = $p WHERE grain_key = 'corrupted';";
            update.Parameters.AddWithValue("$p", payload);
            Assert.Equal(1, update.ExecuteNonQuery());
        }

        var ex = await Assert.ThrowsAsync<CorruptRecordException>(() => ReadAsync("log-7", grain));

        Assert.Contains(grain.ToString(), ex.Message);
        Assert.Contains("log-7", ex.Message);
        Assert.Contains(DatabasePath, ex.Message);
        // Other records are still readable.
        Assert.False((await ReadAsync(StateName, Grain)).RecordExists);
    }

    public static TheoryData<string> UnwritablePaths()
    {
        var data = new TheoryData<string> { "file-as-directory" };
        if (Directory.Exists("/proc/self"))
        {
            data.Add("/proc/raft-orleans-test/raft.db");
            data.Add("/proc/raft-orleans-test.db");
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(UnwritablePaths))]
    public async Task An_unwritable_path_fails_with_a_storage_exception_naming_the_full_path(string path)
    {
        if (path == "file-as-directory")
        {
            Directory.CreateDirectory(_directory);
            var blocker = Path.Combine(_directory, "blocker");
            await File.WriteAllTextAsync(blocker, "not a directory");
            path = Path.Combine(blocker, "sub", "raft.db");
        }
        var storage = Track(NewStorage(path));

        var atInit = await Assert.ThrowsAsync<SqliteStorageException>(storage.InitializeAsync);
        Assert.Contains(Path.GetFullPath(path), atInit.Message);

        // Operations open lazily and report the same way.
        var atWrite = await Assert.ThrowsAsync<SqliteStorageException>(
            () => storage.WriteStateAsync(StateName, Grain, new GrainState<StorageTestState>(new StorageTestState())));
        Assert.Contains(Path.GetFullPath(path), atWrite.Message);
    }

    [Fact]
    public async Task A_database_locked_by_another_connection_is_a_storage_exception_naming_the_record_then_recovers()
    {
        var storage = Track(NewStorage(DatabasePath, busyTimeout: TimeSpan.FromSeconds(1)));
        await storage.InitializeAsync();
        var state = new GrainState<StorageTestState>(StorageTestState.Sample("blocked", 1));

        using (var raw = OpenRaw())
        {
            using var lockIt = raw.CreateCommand();
            lockIt.CommandText = "BEGIN EXCLUSIVE;";
            lockIt.ExecuteNonQuery();

            var ex = await Assert.ThrowsAsync<SqliteStorageException>(() => storage.WriteStateAsync(StateName, Grain, state));
            Assert.Contains($"{StateName} of {Grain}", ex.Message);
            Assert.Contains(DatabasePath, ex.Message);
            Assert.IsType<SqliteException>(ex.InnerException);
            Assert.Null(state.ETag);

            lockIt.CommandText = "ROLLBACK;";
            lockIt.ExecuteNonQuery();
        }

        await storage.WriteStateAsync(StateName, Grain, state);
        var read = Fresh();
        await storage.ReadStateAsync(StateName, Grain, read);
        Assert.Equal("blocked", read.State!.Name);
    }

    [Fact]
    public async Task Operations_after_dispose_throw_object_disposed()
    {
        var storage = (SqliteGrainStorage)Storage;
        await storage.DisposeAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => ReadAsync(StateName, Grain));
    }
}
