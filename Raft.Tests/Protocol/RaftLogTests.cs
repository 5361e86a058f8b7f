using Raft.Grains.Interfaces;
using Raft.Grains.Protocol;
using Xunit;
using static Raft.Tests.Protocol.Commands;

namespace Raft.Tests.Protocol;

public class RaftLogTests
{
    [Fact]
    public void Empty_log_has_sentinel_at_index_zero()
    {
        var log = new RaftLog();

        Assert.Equal(0, log.LastIndex);
        Assert.Equal(0, log.LastTerm);
        Assert.Equal(1, log.FirstIndex);
        Assert.Equal(0, log.TermAt(0));
        Assert.Null(log.TermAt(1));
        Assert.Empty(log.Slice(1));
    }

    [Fact]
    public void Logical_indexes_survive_compaction()
    {
        var log = new RaftLog(0, 0, EntriesWithTerms(1, 1, 2, 2, 3));

        log.CompactTo(3, 2);

        Assert.Equal(3, log.SnapshotIndex);
        Assert.Equal(2, log.SnapshotTerm);
        Assert.Equal(4, log.FirstIndex);
        Assert.Equal(5, log.LastIndex);
        Assert.Equal(2, log.Count);
        Assert.Equal(4, log.EntryAt(4).Index);
        Assert.Equal(3, log.EntryAt(5).Term);
    }

    [Fact]
    public void TermAt_snapshot_boundary_gives_snapshot_term_and_compacted_indexes_give_null()
    {
        var log = new RaftLog(0, 0, EntriesWithTerms(1, 1, 2, 2, 3));
        log.CompactTo(3, 2);

        Assert.Equal(2, log.TermAt(3));
        Assert.Null(log.TermAt(2));
        Assert.Null(log.TermAt(0));
        Assert.Null(log.TermAt(6));
        Assert.Throws<ArgumentOutOfRangeException>(() => log.EntryAt(3));
        Assert.Throws<ArgumentOutOfRangeException>(() => log.Slice(3));
    }

    [Fact]
    public void Compacting_past_the_last_entry_leaves_an_empty_log_after_the_snapshot()
    {
        var log = new RaftLog(0, 0, EntriesWithTerms(1, 1));

        log.CompactTo(5, 3);

        Assert.Equal(5, log.LastIndex);
        Assert.Equal(3, log.LastTerm);
        Assert.Equal(0, log.Count);
    }

    [Fact]
    public void Compacting_to_an_entry_with_another_term_is_refused()
    {
        var log = new RaftLog(0, 0, EntriesWithTerms(1, 1, 2));

        Assert.Throws<ArgumentException>(() => log.CompactTo(2, 5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RaftLog(2, 1, []).CompactTo(2, 1));
    }

    [Fact]
    public void ResetToSnapshot_discards_every_entry()
    {
        var log = new RaftLog(0, 0, EntriesWithTerms(1, 1, 2, 2));

        log.ResetToSnapshot(3, 7);

        Assert.Equal(0, log.Count);
        Assert.Equal(3, log.LastIndex);
        Assert.Equal(7, log.LastTerm);
    }

    [Fact]
    public void Slice_respects_count_and_bytes_but_always_returns_one_entry()
    {
        var big = new LogEntry(1, 1, new byte[1000]);
        var log = new RaftLog(0, 0, [big, new LogEntry(2, 1, new byte[10]), new LogEntry(3, 1, new byte[10])]);

        Assert.Equal(2, log.Slice(1, maxCount: 2).Length);
        Assert.Single(log.Slice(1, maxBytes: 100));
        Assert.Equal(2, log.Slice(2, maxBytes: 2 * RaftLog.EstimatedSize(log.EntryAt(2))).Length);
        Assert.Equal([2L, 3L], log.Slice(2).Select(entry => entry.Index));
        Assert.Empty(log.Slice(4));
    }

    [Fact]
    public void TruncateFrom_removes_the_suffix_but_not_the_snapshot()
    {
        var log = new RaftLog(0, 0, EntriesWithTerms(1, 1, 2, 2, 3));
        log.CompactTo(2, 1);

        log.TruncateFrom(4);

        Assert.Equal(3, log.LastIndex);
        Assert.Throws<ArgumentOutOfRangeException>(() => log.TruncateFrom(2));
    }

    [Fact]
    public void Append_must_continue_the_log()
    {
        var log = new RaftLog(0, 0, EntriesWithTerms(1, 1));

        Assert.Throws<ArgumentException>(() => log.Append([new LogEntry(4, 1, [])]));
        Assert.Throws<ArgumentException>(() => log.Append([new LogEntry(2, 1, [])]));
    }

    [Fact]
    public void Term_searches_find_run_boundaries_including_the_snapshot_point()
    {
        var log = new RaftLog(0, 0, EntriesWithTerms(1, 1, 1, 4, 4, 5, 5, 6, 6, 6));

        Assert.Equal(4, log.FirstIndexOfTerm(4));
        Assert.Equal(5, log.LastIndexOfTerm(4));
        Assert.Equal(10, log.LastIndexOfTerm(6));
        Assert.Null(log.FirstIndexOfTerm(2));
        Assert.Null(log.LastIndexOfTerm(3));
        Assert.Null(log.LastIndexOfTerm(7));

        log.CompactTo(5, 4);
        Assert.Equal(5, log.LastIndexOfTerm(4));
        Assert.Null(log.FirstIndexOfTerm(4));
        Assert.Null(log.LastIndexOfTerm(1));
    }
}
