using Orleans;

namespace Raft.Persistence.Sqlite;

/// <summary>
/// A stored record could not be decoded: its checksum failed, it was truncated, or its format is unknown.
/// The message names the record (state name and grain) so that an operator can find it; the state is never
/// silently replaced by an empty one.
/// </summary>
/// <remarks>
/// [GenerateSerializer]: it crosses silos as itself (to a grain's caller) rather than as Orleans' fallback for
/// exception types outside the Microsoft/System/Azure namespaces.
/// </remarks>
[GenerateSerializer]
public sealed class CorruptRecordException : Exception
{
    public CorruptRecordException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
