using System.Globalization;
using Microsoft.Data.Sqlite;
using Orleans;
using Orleans.Runtime;
using Orleans.Storage;

namespace Raft.Persistence.Sqlite;

/// <summary>
/// Durable Orleans grain storage in one SQLite database file (schema and pragmas: <see cref="SqliteSchema"/>):
/// WAL journal, fsync on every commit, one row per record holding a <see cref="StoredRecord"/> envelope around the
/// serializer's bytes (<see cref="SqliteGrainStorageOptions.GrainStorageSerializer"/>, Orleans' binary serializer by
/// default). The ETag is the row's version number; writes and clears are single conditional statements
/// (<c>UPDATE ... WHERE version = @etag</c>, or an insert that only succeeds when no live record exists).
///
/// Concurrency: one connection, used by one operation at a time, in arrival order, off the caller's thread
/// (<see cref="OperationQueue"/>). Microsoft.Data.Sqlite's async methods run synchronously, commit and fsync
/// included, so running them on the caller's thread would hold the caller (a grain's turn) for the whole write: a
/// reentrant grain could not take its next requests while its previous write is being fsynced, which is what lets
/// them join its next write (a Raft peer's group commit). Serialization and checksums run on the caller's thread,
/// before the operation is queued. Operations that queue up while an earlier one runs (writes of several grains, or
/// the several records of one grain's write plan issued together) run in one transaction: one commit, one fsync, and
/// none of them completes before that commit, so each is exactly as durable as if it had been written alone.
///
/// Errors: an ETag mismatch is Orleans' <see cref="InconsistentStateException"/> (with the stored and the presented
/// ETag), a bad record is <see cref="CorruptRecordException"/>, a state the serializer cannot handle is
/// <see cref="GrainStateSerializationException"/>, anything SQLite or the file system reports is
/// <see cref="SqliteStorageException"/> naming the database file and the record. After a SQLite error the
/// connection is closed and the next operation reopens it.
///
/// Lifecycle: as an <see cref="ILifecycleParticipant{ISiloLifecycle}"/> it opens (and creates) the database at silo
/// start, at <see cref="SqliteGrainStorageOptions.InitStage"/>, so a bad path stops the silo. Disposing it (the silo's
/// service provider does) closes the file after the operations already queued.
/// </summary>
public sealed class SqliteGrainStorage : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>, IOperationBatchScope, IAsyncDisposable, IDisposable
{
    private const string KeyFilter = "grain_type = $type AND grain_key = $key AND state_name = $name";

    private readonly IGrainStorageSerializer _serializer;
    private readonly string _connectionString;
    private readonly bool _synchronousFull;
    private readonly int _initStage;
    private readonly OperationQueue _queue;
    // Touched only by operations running on _queue.
    private SqliteConnection? _connection;
    private bool _disposed;

    /// <param name="name">The provider's name (its key among the silo's grain storages), for errors and the lifecycle.</param>
    /// <param name="options">The options; <see cref="SqliteGrainStorageOptions.GrainStorageSerializer"/> must be set
    /// (the silo registration sets Orleans' binary serializer when it is not).</param>
    public SqliteGrainStorage(string name, SqliteGrainStorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Path, nameof(options.Path));
        _serializer = options.GrainStorageSerializer
            ?? throw new ArgumentException($"{nameof(SqliteGrainStorageOptions)}.{nameof(SqliteGrainStorageOptions.GrainStorageSerializer)} is not set.", nameof(options));
        Name = name;
        DatabasePath = System.IO.Path.GetFullPath(options.Path);
        _synchronousFull = options.SynchronousFull;
        _initStage = options.InitStage;
        _connectionString = SqliteSchema.ConnectionString(DatabasePath, options.BusyTimeout);
        _queue = new OperationQueue(this);
    }

    /// <summary>The provider's name among the silo's grain storages.</summary>
    public string Name { get; }

    /// <summary>Operations are applied one at a time in the order they were issued (a crash loses a suffix at most).</summary>
    public bool PreservesIssueOrder => true;

    /// <summary>
    /// A clear removes the record: it reads back as never written, with a null ETag. (The row stays as a tombstone so
    /// that versions are never reused, see <see cref="SqliteSchema"/>, but that is invisible to callers.) Orleans'
    /// IGrainStorage has no such trait; it is declared here for callers that depend on it.
    /// </summary>
    public bool ClearKeepsRecord => false;

    /// <summary>Operations run since the provider was created.</summary>
    public long Operations => _queue.Operations;

    /// <summary>Transactions that committed two or more operations together (group commits).</summary>
    public long GroupCommits => _queue.BatchCommits;

    /// <summary>Transactions run (each one commit and, with synchronous = FULL, one fsync of the WAL).</summary>
    public long Transactions => _queue.Transactions;

    /// <summary>The full path of the database file.</summary>
    public string DatabasePath { get; }

    /// <summary>
    /// Creates the directory, database and table, so that a bad path fails at startup rather than at the first
    /// write. The silo calls it at start (<see cref="Participate"/>); without a silo it is optional, since every
    /// operation opens the database on first use.
    /// </summary>
    /// <exception cref="SqliteStorageException">The database cannot be created or opened; the message holds the full path.</exception>
    public Task InitializeAsync() => _queue.Run(() =>
    {
        EnsureOpen();
        return true;
    });

    public void Participate(ISiloLifecycle lifecycle)
    {
        ArgumentNullException.ThrowIfNull(lifecycle);
        lifecycle.Subscribe($"{nameof(SqliteGrainStorage)}-{Name}", _initStage, StartAsync);
    }

    private async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await InitializeAsync().WaitAsync(cancellationToken);
        }
        catch (SqliteStorageException ex)
        {
            throw new SqliteStorageException($"SQLite grain storage '{Name}' could not start: {ex.Message}", ex);
        }
    }

    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(stateName);
        ArgumentNullException.ThrowIfNull(grainState);
        var recordName = GrainStateCodec.RecordName(stateName, grainId);
        var (version, payload) = await RunAsync("read", recordName, async connection =>
        {
            await using var command = CreateCommand(connection, $"SELECT version, payload FROM grain_state WHERE {KeyFilter};", stateName, grainId);
            await using var reader = await command.ExecuteReaderAsync();
            if (!await reader.ReadAsync() || await reader.IsDBNullAsync(1))
            {
                return (0L, (byte[]?)null);
            }
            return (reader.GetInt64(0), reader.GetFieldValue<byte[]>(1));
        });

        if (payload is null)
        {
            grainState.State = FreshState.Create<T>();
            grainState.ETag = null;
            grainState.RecordExists = false;
            return;
        }
        try
        {
            grainState.State = GrainStateCodec.Decode<T>(_serializer, payload, recordName);
        }
        catch (CorruptRecordException ex)
        {
            throw new CorruptRecordException($"{ex.Message} (SQLite database '{DatabasePath}')", ex);
        }
        catch (GrainStateSerializationException ex)
        {
            throw new GrainStateSerializationException($"{ex.Message} (SQLite database '{DatabasePath}')", ex);
        }
        grainState.ETag = FormatEtag(version);
        grainState.RecordExists = true;
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(stateName);
        ArgumentNullException.ThrowIfNull(grainState);
        var recordName = GrainStateCodec.RecordName(stateName, grainId);
        var payload = GrainStateCodec.Encode(_serializer, grainState.State, recordName);
        var presented = grainState.ETag;

        var newVersion = await RunAsync("write", recordName, async connection =>
        {
            long? written;
            if (presented is null)
            {
                // Insert, or revive a tombstone; a live row makes the upsert a no-op that returns nothing.
                await using var insert = CreateCommand(connection, """
                    INSERT INTO grain_state (grain_type, grain_key, state_name, version, payload)
                    VALUES ($type, $key, $name, 1, $payload)
                    ON CONFLICT (grain_type, grain_key, state_name) DO UPDATE
                        SET version = grain_state.version + 1, payload = excluded.payload
                        WHERE grain_state.payload IS NULL
                    RETURNING version;
                    """, stateName, grainId);
                insert.Parameters.AddWithValue("$payload", payload);
                written = (long?)await insert.ExecuteScalarAsync();
            }
            else if (TryParseEtag(presented, out var expected))
            {
                await using var update = CreateCommand(connection, $"""
                    UPDATE grain_state SET version = version + 1, payload = $payload
                    WHERE {KeyFilter} AND version = $version AND payload IS NOT NULL
                    RETURNING version;
                    """, stateName, grainId);
                update.Parameters.AddWithValue("$payload", payload);
                update.Parameters.AddWithValue("$version", expected);
                written = (long?)await update.ExecuteScalarAsync();
            }
            else
            {
                written = null;
            }

            if (written is null)
            {
                throw ETagConflict.Create("write", recordName, await ReadStoredEtagAsync(connection, stateName, grainId), presented);
            }
            return written.Value;
        });

        grainState.ETag = FormatEtag(newVersion);
        grainState.RecordExists = true;
    }

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(stateName);
        ArgumentNullException.ThrowIfNull(grainState);
        var recordName = GrainStateCodec.RecordName(stateName, grainId);
        var presented = grainState.ETag;

        await RunAsync("clear", recordName, async connection =>
        {
            if (presented is null)
            {
                // Clearing "nothing" succeeds only if there is indeed nothing; no write needed.
                var stored = await ReadStoredEtagAsync(connection, stateName, grainId);
                if (stored is not null)
                {
                    throw ETagConflict.Create("clear", recordName, stored, presented);
                }
                return 0L;
            }

            long? cleared = null;
            if (TryParseEtag(presented, out var expected))
            {
                // Keep a tombstone so the version keeps growing (see SqliteSchema).
                await using var clear = CreateCommand(connection, $"""
                    UPDATE grain_state SET version = version + 1, payload = NULL
                    WHERE {KeyFilter} AND version = $version AND payload IS NOT NULL
                    RETURNING version;
                    """, stateName, grainId);
                clear.Parameters.AddWithValue("$version", expected);
                cleared = (long?)await clear.ExecuteScalarAsync();
            }
            if (cleared is null)
            {
                throw ETagConflict.Create("clear", recordName, await ReadStoredEtagAsync(connection, stateName, grainId), presented);
            }
            return cleared.Value;
        });

        grainState.State = FreshState.Create<T>();
        grainState.ETag = null;
        grainState.RecordExists = false;
    }

    /// <summary>Closes the database after the operations queued before it; later operations throw <see cref="ObjectDisposedException"/>.</summary>
    public ValueTask DisposeAsync() => new(_queue.Run(() =>
    {
        _disposed = true;
        _connection?.Dispose();
        _connection = null;
        return true;
    }, alone: true));

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>
    /// Queues one operation on the connection and turns SQLite errors into <see cref="SqliteStorageException"/>.
    /// The body's awaits complete synchronously (Microsoft.Data.Sqlite has no asynchronous I/O); it runs on the queue's thread.
    /// </summary>
    private Task<TResult> RunAsync<TResult>(string operation, string recordName, Func<SqliteConnection, Task<TResult>> body) =>
        _queue.Run(() =>
        {
            var connection = EnsureOpen();
            try
            {
                return body(connection).GetAwaiter().GetResult();
            }
            catch (SqliteException ex)
            {
                // Disk full, I/O error, locked by another process, ...: drop the connection, the next call reopens.
                CloseAfterError();
                throw new SqliteStorageException(
                    $"SQLite grain storage at '{DatabasePath}' failed to {operation} '{recordName}': {ex.Message}", ex);
            }
        });

    // Runs on _queue: a batch of queued operations becomes one transaction.
    bool IOperationBatchScope.TryBegin()
    {
        try
        {
            using var begin = EnsureOpen().CreateCommand();
            begin.CommandText = "BEGIN IMMEDIATE;";
            begin.ExecuteNonQuery();
            return true;
        }
        catch (Exception ex) when (ex is SqliteException or SqliteStorageException or ObjectDisposedException)
        {
            // Each operation runs alone and reports its own error.
            CloseAfterError();
            return false;
        }
    }

    bool IOperationBatchScope.IsIntact => _connection is not null;

    void IOperationBatchScope.Commit()
    {
        try
        {
            using var commit = _connection!.CreateCommand();
            commit.CommandText = "COMMIT;";
            commit.ExecuteNonQuery();
        }
        catch (SqliteException ex)
        {
            CloseAfterError();
            throw new SqliteStorageException($"SQLite grain storage at '{DatabasePath}' failed to commit a batch of writes: {ex.Message}", ex);
        }
    }

    // Runs on _queue.
    private SqliteConnection EnsureOpen()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_connection is not null)
        {
            return _connection;
        }

        SqliteConnection? connection = null;
        try
        {
            var directory = System.IO.Path.GetDirectoryName(DatabasePath);
            if (!string.IsNullOrEmpty(directory))
            {
                Directory.CreateDirectory(directory);
            }
            connection = new SqliteConnection(_connectionString);
            connection.Open();
            SqliteSchema.ApplyAsync(connection, DatabasePath, _synchronousFull).GetAwaiter().GetResult();
            _connection = connection;
            return connection;
        }
        catch (Exception ex) when (ex is SqliteException or IOException or UnauthorizedAccessException or NotSupportedException or SqliteStorageException)
        {
            connection?.Dispose();
            if (ex is SqliteStorageException)
            {
                throw;
            }
            throw new SqliteStorageException($"Cannot open SQLite grain storage at '{DatabasePath}': {ex.Message}", ex);
        }
    }

    // Runs on _queue.
    private void CloseAfterError()
    {
        if (_connection is null)
        {
            return;
        }
        try
        {
            _connection.Dispose();
        }
        catch (SqliteException)
        {
            // The connection is already broken; the original error is the one to report.
        }
        _connection = null;
    }

    private static async Task<string?> ReadStoredEtagAsync(SqliteConnection connection, string stateName, GrainId grainId)
    {
        await using var command = CreateCommand(connection, $"SELECT version FROM grain_state WHERE {KeyFilter} AND payload IS NOT NULL;", stateName, grainId);
        return await command.ExecuteScalarAsync() is long version ? FormatEtag(version) : null;
    }

    private static SqliteCommand CreateCommand(SqliteConnection connection, string sql, string stateName, GrainId grainId)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$type", grainId.Type.ToString());
        command.Parameters.AddWithValue("$key", grainId.Key.ToString());
        command.Parameters.AddWithValue("$name", stateName);
        return command;
    }

    private static string FormatEtag(long version) => version.ToString(CultureInfo.InvariantCulture);

    /// <summary>Only the exact strings this provider hands out parse ("7", not "07" or "+7").</summary>
    private static bool TryParseEtag(string etag, out long version) =>
        long.TryParse(etag, NumberStyles.None, CultureInfo.InvariantCulture, out version)
        && string.Equals(FormatEtag(version), etag, StringComparison.Ordinal);
}
