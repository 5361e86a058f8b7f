using Microsoft.Data.Sqlite;

namespace Raft.Persistence.Sqlite;

/// <summary>
/// Connection settings and the table of <see cref="SqliteGrainStorage"/>.
///
/// One row per (grain type, grain key, state name), the type and key being the two halves of the Orleans
/// <c>GrainId</c> as strings (<c>GrainId.Type.ToString()</c>, <c>GrainId.Key.ToString()</c>: "peer" and "kv/0" for
/// the grain "peer/kv/0"), so that the table reads and queries as the grains it holds:
/// <code>
/// CREATE TABLE grain_state (
///     grain_type TEXT    NOT NULL,   -- GrainId.Type
///     grain_key  TEXT    NOT NULL,   -- GrainId.Key
///     state_name TEXT    NOT NULL,
///     version    INTEGER NOT NULL,   -- the ETag, as a decimal string
///     payload    BLOB,               -- a StoredRecord envelope; NULL = cleared (tombstone)
///     PRIMARY KEY (grain_type, grain_key, state_name));
/// </code>
/// The version grows by one on every write and clear of a row. A clear keeps the row as a tombstone (payload
/// NULL) instead of deleting it, so a version is never handed out twice for the same record: an ETag read
/// before a clear can never match the record written after it (no ABA), without any counter outside the row.
/// It is an ordinary rowid table, not WITHOUT ROWID: SQLite recommends WITHOUT ROWID only for rows smaller
/// than about 1/20 of a page, and our rows (log segments, snapshots) are kilobytes to megabytes.
/// PRAGMA user_version holds the schema version so a later build can migrate or refuse.
/// </summary>
internal static class SqliteSchema
{
    public const int Version = 1;

    public static string ConnectionString(string fullPath, TimeSpan busyTimeout) => new SqliteConnectionStringBuilder
    {
        DataSource = fullPath,
        Mode = SqliteOpenMode.ReadWriteCreate,
        Cache = SqliteCacheMode.Private,
        // The provider keeps one connection open for its lifetime; without pooling, disposing the provider
        // really closes the file (and checkpoints the WAL into it).
        Pooling = false,
        // Microsoft.Data.Sqlite retries a busy statement until the command timeout expires.
        DefaultTimeout = Math.Max(1, (int)Math.Ceiling(busyTimeout.TotalSeconds)),
    }.ToString();

    /// <summary>Sets the pragmas of a freshly opened connection and creates or checks the table.</summary>
    public static async Task ApplyAsync(SqliteConnection connection, string fullPath, bool synchronousFull)
    {
        // WAL: a commit appends to the -wal file instead of rewriting pages in place plus a rollback journal,
        // one fsync per commit, and readers do not block the writer.
        var journalMode = (string?)await ScalarAsync(connection, "PRAGMA journal_mode = WAL;");
        if (!string.Equals(journalMode, "wal", StringComparison.OrdinalIgnoreCase))
        {
            throw new SqliteStorageException(
                $"SQLite grain storage at '{fullPath}' could not switch to WAL journal mode (got '{journalMode}'); is the file on a file system without shared memory support?");
        }

        // FULL, not NORMAL: under WAL, NORMAL fsyncs only at checkpoints, so a commit that returned can still
        // be rolled back by a power loss or OS crash (the database stays consistent, but the last transactions
        // are gone). Raft requires term, vote and log entries to be durable before it answers a vote or an
        // append, so every commit must reach the disk before WriteStateAsync completes: FULL fsyncs the WAL
        // on every commit.
        await ExecuteAsync(connection, synchronousFull ? "PRAGMA synchronous = FULL;" : "PRAGMA synchronous = NORMAL;");

        var userVersion = (long)(await ScalarAsync(connection, "PRAGMA user_version;"))!;
        if (userVersion > Version)
        {
            throw new SqliteStorageException(
                $"SQLite grain storage at '{fullPath}' has schema version {userVersion}; this build knows version {Version} and will not touch it.");
        }
        if (userVersion < Version)
        {
            await ExecuteAsync(connection, $"""
                BEGIN IMMEDIATE;
                CREATE TABLE IF NOT EXISTS grain_state (
                    grain_type TEXT    NOT NULL,
                    grain_key  TEXT    NOT NULL,
                    state_name TEXT    NOT NULL,
                    version    INTEGER NOT NULL,
                    payload    BLOB,
                    PRIMARY KEY (grain_type, grain_key, state_name));
                PRAGMA user_version = {Version};
                COMMIT;
                """);
        }
    }

    private static async Task<object?> ScalarAsync(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync();
    }

    private static async Task ExecuteAsync(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}
