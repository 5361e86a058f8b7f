namespace Raft.Grains;

// [GenerateSerializer]: these escape grain calls (a peer that cannot start fails the call that activated it), and a
// type Orleans has no codec for fails the call with "Could not find a codec" instead of reaching the caller.

/// <summary>
/// A write or clear found another ETag in storage than the one the peer read: another writer (an earlier or a duplicate
/// activation of the same peer) changed the record. The peer must not act on what it read.
/// </summary>
[GenerateSerializer, Alias("Raft.RecordConflictException")]
public sealed class RecordConflictException : Exception
{
    public RecordConflictException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}

/// <summary>Storage could not be reached, or refused a request for a reason other than an ETag conflict.</summary>
[GenerateSerializer, Alias("Raft.PeerStorageException")]
public sealed class PeerStorageException : Exception
{
    public PeerStorageException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}

/// <summary>
/// What storage holds cannot be Raft state: a record that does not decode, or log segments that do not link up. The
/// message names the peer and the record; the state is never silently replaced by an empty one.
/// </summary>
[GenerateSerializer, Alias("Raft.CorruptRecordException")]
public sealed class CorruptRecordException : Exception
{
    public CorruptRecordException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
