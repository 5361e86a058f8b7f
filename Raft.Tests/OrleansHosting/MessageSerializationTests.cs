using System.Text;
using Raft.Grains;
using Raft.Grains.Interfaces;
using Raft.Grains.KeyValue;
using Raft.TestingHost;
using Xunit;

namespace Raft.Tests.OrleansHosting;

/// <summary>
/// Raft's messages, the records it stores and the key-value commands it logs, through Orleans' serializer: what crosses
/// silos and what storage and the log keep must come back equal, and stored and logged types are named by [Alias] so
/// that a rename does not orphan them.
/// </summary>
public sealed class MessageSerializationTests
{
    private static T RoundTrip<T>(T value) =>
        RaftStorageSerializer.Serializer.Deserialize<T>(RaftStorageSerializer.Serializer.SerializeToArray(value))!;

    [Fact]
    public void Rpc_messages_round_trip()
    {
        var entries = new[] { new LogEntry(7, 3, [1, 2, 3]), new LogEntry(8, 3, []) };
        var append = RoundTrip(new AppendEntriesRequest(3, "kv/0", 6, 2, entries, 5));
        Assert.Equal((3L, "kv/0", 6L, 2L, 5L), (append.Term, append.LeaderId, append.PrevLogIndex, append.PrevLogTerm, append.LeaderCommit));
        Assert.Equal(entries.Select(e => (e.Index, e.Term, Convert.ToHexString(e.Command))), append.Entries.Select(e => (e.Index, e.Term, Convert.ToHexString(e.Command))));
        Assert.Equal(new AppendEntriesResponse(4, false, 2, 5, 9, 11), RoundTrip(new AppendEntriesResponse(4, false, 2, 5, 9, 11)));
        Assert.Equal(new RequestVoteRequest(5, "kv/1", 9, 4, PreVote: true), RoundTrip(new RequestVoteRequest(5, "kv/1", 9, 4, PreVote: true)));
        Assert.Equal(new RequestVoteResponse(5, true), RoundTrip(new RequestVoteResponse(5, true)));
        var snapshot = RoundTrip(new InstallSnapshotRequest(6, "kv/2", 100, 5, Encoding.UTF8.GetBytes("state")));
        Assert.Equal("state", Encoding.UTF8.GetString(snapshot.Data));
        Assert.Equal(new InstallSnapshotResponse(6, 3), RoundTrip(new InstallSnapshotResponse(6, 3)));
    }

    [Fact]
    public void Stored_records_round_trip()
    {
        Assert.Equal(new RaftHardStateRecord(9, "kv/2"), RoundTrip(new RaftHardStateRecord(9, "kv/2")));
        Assert.Equal(new RaftHardStateRecord(9, null), RoundTrip(new RaftHardStateRecord(9, null)));
        Assert.Equal(new RaftLogManifestRecord(3, 4), RoundTrip(new RaftLogManifestRecord(3, 4)));
        var segment = RoundTrip(new RaftLogSegmentRecord(65, 2, [new LogEntry(65, 3, [9])]));
        Assert.Equal((65L, 2L, 1), (segment.FirstIndex, segment.PrevTerm, segment.Entries.Length));
        Assert.Equal([9], segment.Entries[0].Command);
    }

    [Fact]
    public void Key_value_commands_decode_by_their_aliases_under_the_base_type()
    {
        KvOperation[] operations =
        [
            new KvGet("k"), new KvPut("k", "v"), new KvAppend("k", "w"), new KvDelete("k"),
            new KvPutIfVersion("k", "v", 3), new KvRegisterSession("nonce"),
        ];
        foreach (var operation in operations)
        {
            var bytes = KvCodec.Shared.SerializeToArray(new KvCommand(1, 2, operation));
            Assert.Equal(operation, KvCodec.Shared.Deserialize<KvCommand>(bytes).Operation);
        }
        // The stream names the concrete type by its alias, not its CLR name, so a rename keeps old log entries readable.
        var put = KvCodec.Shared.SerializeToArray(new KvCommand(1, 2, new KvPut("k", "v")));
        Assert.Contains("kv.put", Encoding.UTF8.GetString(put), StringComparison.Ordinal);
        Assert.DoesNotContain(nameof(KvPut), Encoding.UTF8.GetString(put).Replace("kv.put", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public void Bytes_that_are_not_a_command_are_refused_with_a_clear_error()
    {
        var error = Assert.Throws<KvCodecException>(() => KvCodec.Shared.Deserialize<KvCommand>([0xFF, 0x01, 0x02]));
        Assert.Contains("KvCommand", error.Message, StringComparison.Ordinal);
    }
}
