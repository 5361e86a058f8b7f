using Raft.Grains.Interfaces;
using Raft.Grains.KeyValue;

using Xunit;

namespace Raft.Tests.KeyValue;

public sealed class KvStoreTests
{
    private long index;

    private KvResponse Apply(KvStore store, long client, long sequence, KvOperation operation) =>
        store.Apply(new KvCommand(client, sequence, operation), ++index);

    private long Register(KvStore store) => Apply(store, 0, 0, new KvRegisterSession(Guid.NewGuid().ToString("N"))).Version;

    [Fact]
    public void PutGetAppendDeleteWithVersions()
    {
        var store = new KvStore(maxSessions: 10);
        var client = Register(store);
        Assert.Equal(KvStatus.NoKey, Apply(store, client, 1, new KvGet("k")).Status);
        Assert.Equal(1, Apply(store, client, 2, new KvPut("k", "a")).Version);
        Assert.Equal(new KvResponse(KvStatus.Ok, "ab", 2, null), Apply(store, client, 3, new KvAppend("k", "b")));
        Assert.Equal(new KvResponse(KvStatus.Ok, "ab", 2, null), Apply(store, client, 4, new KvGet("k")));
        Assert.Equal(KvStatus.Ok, Apply(store, client, 5, new KvDelete("k")).Status);
        Assert.Equal(KvStatus.NoKey, Apply(store, client, 6, new KvGet("k")).Status);
        Assert.Equal("x", Apply(store, client, 7, new KvAppend("new", "x")).Value);
    }

    [Fact]
    public void PutIfVersionSucceedsOnlyAtTheExpectedVersion()
    {
        var store = new KvStore(maxSessions: 10);
        var client = Register(store);
        Assert.Equal(KvStatus.NoKey, Apply(store, client, 1, new KvPutIfVersion("k", "v", 3)).Status);
        Assert.Equal(1, Apply(store, client, 2, new KvPutIfVersion("k", "v1", 0)).Version);
        var mismatch = Apply(store, client, 3, new KvPutIfVersion("k", "v2", 0));
        Assert.Equal(new KvResponse(KvStatus.VersionMismatch, "v1", 1, null), mismatch);
        Assert.Equal(2, Apply(store, client, 4, new KvPutIfVersion("k", "v2", 1)).Version);
        Assert.Equal("v2", store.Read("k")!.Value.Value);
    }

    [Fact]
    public void ARetriedRequestIsAppliedOnceAndAnswersTheSame()
    {
        var store = new KvStore(maxSessions: 10);
        var client = Register(store);
        var first = Apply(store, client, 1, new KvAppend("k", "x"));
        var retry = Apply(store, client, 1, new KvAppend("k", "x"));
        Assert.Equal(first, retry);
        Assert.Equal("x", store.Read("k")!.Value.Value);
        Apply(store, client, 2, new KvAppend("k", "y"));
        Assert.Equal(KvStatus.StaleRequest, Apply(store, client, 1, new KvAppend("k", "x")).Status);
        Assert.Equal("xy", store.Read("k")!.Value.Value);
    }

    [Fact]
    public void UnknownOrEvictedSessionIsRefusedAndNothingApplies()
    {
        var store = new KvStore(maxSessions: 2);
        Assert.Equal(KvStatus.SessionExpired, Apply(store, 12345, 1, new KvPut("k", "v")).Status);
        var a = Register(store);
        var b = Register(store);
        Apply(store, a, 1, new KvPut("a", "1"));
        var c = Register(store); // evicts b, the least recently used
        Assert.Equal(2, store.SessionCount);
        Assert.Equal(KvStatus.SessionExpired, Apply(store, b, 1, new KvPut("b", "1")).Status);
        Assert.Null(store.Read("b"));
        Assert.Equal(KvStatus.Ok, Apply(store, a, 2, new KvPut("a", "2")).Status);
        Assert.Equal(KvStatus.Ok, Apply(store, c, 1, new KvPut("c", "1")).Status);
    }

    /// <summary>
    /// Why an expired session does not mean "nothing was applied" to the client: the answer to the first attempt was
    /// lost, the session was evicted, and the retry is refused although the first attempt took effect.
    /// </summary>
    [Fact]
    public void ARetryRefusedAsExpiredMayHaveBeenAppliedByItsFirstAttempt()
    {
        var store = new KvStore(maxSessions: 1);
        var client = Register(store);
        Assert.Equal(KvStatus.Ok, Apply(store, client, 1, new KvAppend("k", "x")).Status); // the answer is lost
        Register(store); // evicts the session
        Assert.Equal(KvStatus.SessionExpired, Apply(store, client, 1, new KvAppend("k", "x")).Status);
        Assert.Equal("x", store.Read("k")!.Value.Value);
    }

    [Fact]
    public void SnapshotRestoresValuesAndSessionsExactly()
    {
        var store = new KvStore(maxSessions: 10);
        var client = Register(store);
        Apply(store, client, 1, new KvPut("k", "v"));
        Apply(store, client, 2, new KvAppend("k", "w"));
        var serializer = KvCodec.Shared;
        var bytes = serializer.SerializeToArray(store.ToSnapshot(index));

        var restored = new KvStore(maxSessions: 10);
        restored.Restore(serializer.Deserialize<KvSnapshot>(bytes));
        Assert.Equal(bytes, serializer.SerializeToArray(restored.ToSnapshot(index)));
        Assert.Equal(store.Read("k"), restored.Read("k"));
        // The session survived: a retry of sequence 2 is answered from the session, not applied again.
        Assert.Equal("vw", restored.Apply(new KvCommand(client, 2, new KvAppend("k", "w")), ++index).Value);
        Assert.Equal("vw", restored.Read("k")!.Value.Value);
    }
}
