using Orleans;

namespace Raft.Persistence.Sqlite;

/// <summary>
/// SQLite or the file system refused an operation (cannot create or open the file, disk full, I/O error, the
/// database locked by another process, ...). The message names the full path of the database file and, for an
/// operation on a record, the record.
/// </summary>
/// <remarks>[GenerateSerializer]: see <see cref="CorruptRecordException"/>.</remarks>
[GenerateSerializer]
public sealed class SqliteStorageException : Exception
{
    public SqliteStorageException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
