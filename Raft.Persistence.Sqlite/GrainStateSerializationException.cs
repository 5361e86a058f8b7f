using Orleans;

namespace Raft.Persistence.Sqlite;

/// <summary>
/// A grain state could not be serialized, or a record that passed its checksum could not be deserialized as the
/// requested type (a state type changed incompatibly, or read with another type). Not corruption: the stored bytes
/// are what was written. The message names the record and the type.
/// </summary>
/// <remarks>[GenerateSerializer]: see <see cref="CorruptRecordException"/>.</remarks>
[GenerateSerializer]
public sealed class GrainStateSerializationException : Exception
{
    public GrainStateSerializationException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
