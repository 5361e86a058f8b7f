namespace Raft.Runtime.Storage;

/// <summary>Options of <see cref="SqliteGrainStorage"/>; the defaults work as they are.</summary>
public sealed class SqliteGrainStorageOptions
{
    /// <summary>The database file. A relative path is resolved against the current directory; missing directories are created.</summary>
    public string Path { get; set; } = "./data/raft.db";

    /// <summary>
    /// true (default): <c>PRAGMA synchronous=FULL</c>, every commit is fsynced and survives power loss.
    /// false: <c>synchronous=NORMAL</c>, faster, but the last commits before a power loss or OS crash can be lost,
    /// which breaks Raft's durability rule. Only for benchmarks and throwaway clusters.
    /// </summary>
    public bool SynchronousFull { get; set; } = true;

    /// <summary>
    /// How long a statement waits for a lock held by another connection (another process on the same file)
    /// before failing with <see cref="GrainStorageException"/>. Rounded up to whole seconds, at least one.
    /// </summary>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(5);
}
