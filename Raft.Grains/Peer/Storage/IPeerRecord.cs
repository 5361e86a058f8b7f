namespace Raft.Grains;

/// <summary>
/// One named record of a peer (hard state, manifest, snapshot, a log segment) with the ETag contract of Orleans' grain
/// storage: a read fills State, Etag and RecordExists (a missing record reads as a fresh State, a null Etag and
/// RecordExists = false); a write or clear presents the Etag the state was read or last written with and is refused
/// with <see cref="RecordConflictException"/> when another writer changed the record since.
/// </summary>
public interface IPeerRecord<T>
{
    T State { get; set; }

    string? Etag { get; }

    bool RecordExists { get; }

    Task ReadStateAsync();

    Task WriteStateAsync();

    Task ClearStateAsync();
}
