using Orleans;
using Orleans.Storage;

namespace Raft.Persistence.Sqlite;

/// <summary>Options of <see cref="SqliteGrainStorage"/>; apart from <see cref="Path"/>, the defaults work as they are.</summary>
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
    /// before failing with <see cref="SqliteStorageException"/>. Rounded up to whole seconds, at least one.
    /// </summary>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Turns grain state into the bytes stored (inside a <see cref="StoredRecord"/> envelope) and back.
    /// Null (default) means Orleans' binary serializer, <see cref="OrleansGrainStorageSerializer"/>, and not the
    /// silo-wide <see cref="IGrainStorageSerializer"/> (Newtonsoft JSON unless the silo changes it), because:
    /// <list type="bullet">
    /// <item>Raft stores log segments, whose entries are byte arrays: the binary format writes them as they are, where
    /// JSON would base64 every entry (a third larger) and spend CPU on it on the write path.</item>
    /// <item>It is version tolerant for <c>[GenerateSerializer]</c> types: members are numbered with <c>[Id]</c>, so adding
    /// or removing one keeps old records readable, and <c>[Alias]</c> keeps them readable across type renames, where
    /// JSON with type names breaks on a rename.</item>
    /// <item>It is the serializer every grain call already uses, so a state type that crosses the wire stores as well.</item>
    /// </list>
    /// Set it to store in another format (<see cref="JsonGrainStorageSerializer"/>, a custom one); records written by one
    /// serializer are not readable by another.
    /// </summary>
    public IGrainStorageSerializer? GrainStorageSerializer { get; set; }

    /// <summary>
    /// The silo lifecycle stage at which the database is opened (and created), so that a bad path stops the silo at
    /// start. The default is where Orleans' own storage providers initialize: before grains are activated.
    /// </summary>
    public int InitStage { get; set; } = ServiceLifecycleStage.ApplicationServices;
}
