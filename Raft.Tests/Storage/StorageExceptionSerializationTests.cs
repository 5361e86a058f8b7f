using Raft.Persistence.Sqlite;
using Xunit;

namespace Raft.Tests.Storage;

/// <summary>
/// A grain's storage error reaches a caller on another silo or a client through Orleans' serializer. Exception types
/// outside the Microsoft/System/Azure namespaces only keep their type there when they have a generated serializer.
/// </summary>
public sealed class StorageExceptionSerializationTests
{
    public static TheoryData<Exception> StorageErrors() => new()
    {
        new CorruptRecordException("Stored record 'log-7 of peer/a' failed its checksum."),
        new SqliteStorageException("SQLite grain storage at '/data/raft.db' failed to write 'hard of peer/a': disk I/O error"),
        new GrainStateSerializationException("Stored record 'typed of peer/a' could not be deserialized."),
    };

    [Theory]
    [MemberData(nameof(StorageErrors))]
    public void A_storage_error_crosses_the_wire_as_itself(Exception error)
    {
        var serializer = StorageTestSerializer.Orleans;

        var copy = serializer.Deserialize<Exception>(serializer.SerializeToArray(error));

        Assert.IsType(error.GetType(), copy);
        Assert.Equal(error.Message, copy.Message);
    }
}
