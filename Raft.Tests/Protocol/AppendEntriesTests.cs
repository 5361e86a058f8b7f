using Raft.Grains.Interfaces;
using Raft.Grains.Protocol;
using Xunit;
using static Raft.Tests.Protocol.Commands;

namespace Raft.Tests.Protocol;

/// <summary>The AppendEntries receiver, Figure 2 rules 1-5, with the conflict hints.</summary>
public class AppendEntriesTests
{
    private static readonly string[] Members = ["s1", "s2", "s3"];

    private static AppendEntriesRequest Append(long term, long prevIndex, long prevTerm, long leaderCommit, params LogEntry[] entries) =>
        new(term, "s1", prevIndex, prevTerm, entries, leaderCommit);

    private static LogEntry Entry(long index, long term, string? command = null) => new(index, term, Of(command ?? $"{index}@{term}"));

    [Fact]
    public void Heartbeat_from_current_leader_succeeds_and_resets_the_timer()
    {
        var follower = NodeWithLog("s2", Members, 2, 1, 2);

        var result = follower.HandleAppendEntries(Append(2, 2, 2, 0));

        Assert.True(result.Response.Success);
        Assert.True(result.ResetElectionTimer);
        Assert.Equal(2, result.Response.LastLogIndex);
        Assert.Equal("s1", follower.LeaderId);
    }

    [Fact]
    public void Rejects_when_log_too_short_with_its_length_as_hint()
    {
        var follower = NodeWithLog("s2", Members, 3, 1, 2);

        var result = follower.HandleAppendEntries(Append(3, 5, 3, 0, Entry(6, 3)));

        Assert.False(result.Response.Success);
        Assert.True(result.ResetElectionTimer); // a rejection from the real leader still proves it alive
        Assert.Equal(AppendEntriesResponse.NoConflictTerm, result.Response.ConflictTerm);
        Assert.Equal(3, result.Response.ConflictIndex);
        Assert.Equal(2, follower.Log.LastIndex);
    }

    [Fact]
    public void Rejects_term_mismatch_at_prev_with_conflicting_term_and_its_first_index()
    {
        var follower = NodeWithLog("s2", Members, 4, 1, 2, 2, 2, 3);

        var result = follower.HandleAppendEntries(Append(4, 4, 3, 0));

        Assert.False(result.Response.Success);
        Assert.Equal(2, result.Response.ConflictTerm);
        Assert.Equal(2, result.Response.ConflictIndex);
        Assert.Equal(5, follower.Log.LastIndex); // a rejection changes nothing
        Assert.Null(follower.TakeUnpersisted().FirstDirtyIndex);
    }

    [Fact]
    public void Truncates_a_conflicting_suffix_and_appends_the_new_entries()
    {
        var follower = NodeWithLog("s2", Members, 4, 1, 2, 2, 2);

        var result = follower.HandleAppendEntries(Append(4, 2, 2, 0, Entry(3, 4, "new3"), Entry(4, 4, "new4"), Entry(5, 4, "new5")));

        Assert.True(result.Response.Success);
        Assert.Equal([1L, 2, 4, 4, 4], Terms(follower.Log));
        Assert.Equal("new3", Text(follower.Log.EntryAt(3).Command));
        Assert.Equal(5, result.Response.LastLogIndex);
    }

    [Fact]
    public void Stale_shorter_AppendEntries_does_not_truncate_entries_already_held()
    {
        var follower = new RaftNode("s2", Members);
        var first = Entry(1, 1);
        var second = Entry(2, 1);
        var third = Entry(3, 1);
        follower.HandleAppendEntries(Append(1, 0, 0, 0, first, second, third));

        // An older request carrying only a prefix arrives late (reordered).
        var result = follower.HandleAppendEntries(Append(1, 0, 0, 0, first));

        Assert.True(result.Response.Success);
        Assert.Equal(3, follower.Log.LastIndex);
        Assert.Equal(3, result.Response.LastLogIndex);
    }

    [Fact]
    public void Duplicated_AppendEntries_is_idempotent_and_leaves_nothing_to_persist()
    {
        var follower = new RaftNode("s2", Members);
        var request = Append(1, 0, 0, 0, Entry(1, 1), Entry(2, 1));
        follower.HandleAppendEntries(request);
        follower.TakeUnpersisted();

        follower.HandleAppendEntries(request);

        Assert.Equal(2, follower.Log.LastIndex);
        Assert.True(follower.TakeUnpersisted().IsEmpty);
    }

    [Fact]
    public void Commit_index_is_min_of_leader_commit_and_last_new_entry()
    {
        var follower = NodeWithLog("s2", Members, 1, 1, 1, 1, 1, 1); // 5 entries, possibly stale beyond what the leader proves

        // The request proves the log only through index 2 (prev 1 + one entry), though the leader committed 5.
        follower.HandleAppendEntries(Append(1, 1, 1, 5, Entry(2, 1)));
        Assert.Equal(2, follower.CommitIndex);

        // A heartbeat proves the log through PrevLogIndex.
        follower.HandleAppendEntries(Append(1, 4, 1, 5));
        Assert.Equal(4, follower.CommitIndex);

        // Leader commit below ours never moves it back.
        follower.HandleAppendEntries(Append(1, 5, 1, 3));
        Assert.Equal(4, follower.CommitIndex);
    }

    [Fact]
    public void Prev_at_snapshot_index_is_checked_against_the_snapshot_term()
    {
        var follower = FollowerWithSnapshot(snapshotIndex: 3, 1, 1, 2, 2, 2);

        var matching = follower.HandleAppendEntries(Append(3, 3, 2, 0, Entry(4, 2), Entry(5, 2), Entry(6, 3)));

        Assert.True(matching.Response.Success);
        Assert.Equal(6, follower.Log.LastIndex);
    }

    [Fact]
    public void Prev_below_snapshot_index_skips_entries_covered_by_the_snapshot()
    {
        var follower = FollowerWithSnapshot(snapshotIndex: 3, 1, 1, 2, 2);

        var result = follower.HandleAppendEntries(Append(3, 1, 1, 0, Entry(2, 1), Entry(3, 2), Entry(4, 2), Entry(5, 3)));

        Assert.True(result.Response.Success);
        Assert.Equal(3, follower.SnapshotIndex);
        Assert.Equal([2L, 3], Terms(follower.Log));
    }

    [Fact]
    public void Prev_below_snapshot_with_all_entries_inside_it_succeeds_without_change()
    {
        var follower = FollowerWithSnapshot(snapshotIndex: 3, 1, 1, 2, 2);

        var result = follower.HandleAppendEntries(Append(3, 1, 1, 0, Entry(2, 1)));

        Assert.True(result.Response.Success);
        Assert.Equal(4, follower.Log.LastIndex);
        Assert.Equal(3, follower.CommitIndex);
    }

    [Fact]
    public void Malformed_entry_indexes_are_refused_before_the_log_changes()
    {
        var follower = new RaftNode("s2", Members);

        Assert.Throws<ArgumentException>(() => follower.HandleAppendEntries(Append(1, 0, 0, 0, Entry(1, 1), Entry(3, 1))));
        Assert.Equal(0, follower.Log.LastIndex);
    }

    /// <summary>A follower in term 3 whose log has the given terms, compacted through <paramref name="snapshotIndex"/>.</summary>
    private static RaftNode FollowerWithSnapshot(long snapshotIndex, params long[] terms)
    {
        var entries = EntriesWithTerms(terms);
        var snapshot = new RaftSnapshot(snapshotIndex, terms[snapshotIndex - 1], Of("snap"));
        return RaftNode.Restore("s2", Members, new DurableState(new HardState(3, null), snapshot, entries));
    }
}
