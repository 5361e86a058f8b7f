using Raft.Persistence.Sqlite;
using Raft.TestingHost;

namespace Raft.Tests.Peer;

/// <summary>A SQLite grain storage in a fresh temporary directory, deleted on dispose: real fsyncs, real transactions.</summary>
internal sealed class TemporarySqliteStorage : IAsyncDisposable
{
    private readonly string _directory;

    private TemporarySqliteStorage(string directory, SqliteGrainStorage storage)
    {
        _directory = directory;
        Storage = storage;
    }

    public SqliteGrainStorage Storage { get; }

    public static async Task<TemporarySqliteStorage> CreateAsync(string purpose)
    {
        var directory = Path.Combine(Path.GetTempPath(), purpose, Guid.NewGuid().ToString("N"));
        var storage = new SqliteGrainStorage("Default", new SqliteGrainStorageOptions
        {
            Path = Path.Combine(directory, "raft.db"),
            GrainStorageSerializer = RaftStorageSerializer.Create(),
        });
        await storage.InitializeAsync();
        return new TemporarySqliteStorage(directory, storage);
    }

    public async ValueTask DisposeAsync()
    {
        await Storage.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }
}
