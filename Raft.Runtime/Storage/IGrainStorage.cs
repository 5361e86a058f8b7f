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
/// clear removes the record under the same ETag check and resets ETag and RecordExists.
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
}
