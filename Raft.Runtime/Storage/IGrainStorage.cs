namespace Raft.Runtime.Storage;

/// <summary>
/// The state of one named record of one grain, as a storage provider sees it.
/// A missing record reads as <see cref="RecordExists"/> = false with a fresh state and a null ETag.
/// </summary>
public interface IGrainState<T>
{
    T State { get; set; }

    string? ETag { get; set; }

    bool RecordExists { get; set; }
}

/// <summary>A plain holder implementing <see cref="IGrainState{T}"/>.</summary>
public sealed class GrainState<T> : IGrainState<T>
{
    public GrainState(T state, string? eTag = null, bool recordExists = false)
    {
        State = state;
        ETag = eTag;
        RecordExists = recordExists;
    }

    public T State { get; set; }

    public string? ETag { get; set; }

    public bool RecordExists { get; set; }
}

/// <summary>
/// A grain storage provider, with the Orleans contract:
/// read fills State, ETag and RecordExists (a missing record gives a fresh State, null ETag, false);
/// write stores State only if the stored ETag equals grainState.ETag (null meaning "must not exist"),
/// then sets a new ETag and RecordExists = true; a mismatch throws <see cref="InconsistentStateException"/>;
/// clear removes the record under the same ETag check and resets ETag and RecordExists (or, with
/// <see cref="ClearKeepsRecord"/>, leaves a cleared marker with a new ETag).
/// </summary>
public interface IGrainStorage
{
    Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState);

    Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState);

    Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState);

    /// <summary>
    /// True when operations issued one after another without awaiting are applied in issue order, each as if alone,
    /// so that a crash keeps a prefix of them: a caller that needs its writes in order may then issue them together
    /// (and let the provider commit them together) instead of awaiting each before issuing the next.
    /// </summary>
    bool PreservesIssueOrder => false;

    /// <summary>
    /// True when a write or clear may still be applied after the process that issued it has died: a request already
    /// sent to a remote storage service lands or fails on its own, later (Azure Blob storage). False for a provider
    /// inside the silo's process (memory, SQLite), whose operations end with the process. A grain that must not have
    /// a record changed under it after it read the record (by a crashed earlier activation's write landing late) fences
    /// when this is true: it rewrites each record it read under the ETag it read it with before it acts, so that such
    /// a late write fails its own ETag condition.
    /// </summary>
    bool WritesMayOutliveWriter => false;

    /// <summary>
    /// True when a clear does not remove the record but leaves it as a cleared marker with an ETag of its own: it reads
    /// as RecordExists = false with that ETag, and the next write must present it. So a write conditioned on an ETag
    /// from before the clear, or on "must not exist", is refused after the clear, as after any write. False when a
    /// clear removes the record (it reads back with a null ETag, and a "must not exist" write creates it again).
    /// </summary>
    bool ClearKeepsRecord => false;
}
