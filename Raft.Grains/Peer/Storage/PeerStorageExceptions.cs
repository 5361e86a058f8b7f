namespace Raft.Grains;

/// <summary>
/// A write or clear found another ETag in storage than the one the peer read: another writer (an earlier or a duplicate
/// activation of the same peer) changed the record. The peer must not act on what it read.
/// </summary>
public sealed class RecordConflictException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Storage could not be reached, or refused a request for a reason other than an ETag conflict.</summary>
public sealed class PeerStorageException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// What storage holds cannot be Raft state: a record that does not decode, or log segments that do not link up. The
/// message names the peer and the record; the state is never silently replaced by an empty one.
/// </summary>
public sealed class CorruptRecordException(string message, Exception? inner = null) : Exception(message, inner);
