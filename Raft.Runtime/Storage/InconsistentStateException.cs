namespace Raft.Runtime.Storage;

/// <summary>
/// A write or clear found a different ETag in storage than the one the caller read:
/// another writer got there first. As in Orleans, an activation that lets this escape is deactivated.
/// </summary>
public sealed class InconsistentStateException : Exception
{
    public InconsistentStateException(string message, string? storedEtag, string? currentEtag, Exception? inner = null)
        : base(message, inner)
    {
        StoredEtag = storedEtag;
        CurrentEtag = currentEtag;
    }

    /// <summary>The ETag found in storage (null when no record exists).</summary>
    public string? StoredEtag { get; }

    /// <summary>The ETag the caller presented.</summary>
    public string? CurrentEtag { get; }
}

/// <summary>
/// A stored record could not be decoded: its checksum failed, it was truncated, or its format is unknown.
/// The message names the grain and the record so that an operator can find it; the state is never
/// silently replaced by an empty one.
/// </summary>
public sealed class CorruptRecordException : Exception
{
    public CorruptRecordException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}

/// <summary>A storage provider could not be reached or refused the request for a reason other than an ETag conflict.</summary>
public sealed class GrainStorageException : Exception
{
    public GrainStorageException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
