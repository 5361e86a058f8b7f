namespace Raft.Runtime.Storage;

/// <summary>
/// Set-up a storage provider does before its silo serves (create a database file, a blob container), so
/// that a wrong path or credential fails at silo start with a clear message rather than at the first write.
/// </summary>
public interface IGrainStorageInitializer
{
    Task InitializeAsync(CancellationToken cancellationToken);
}
