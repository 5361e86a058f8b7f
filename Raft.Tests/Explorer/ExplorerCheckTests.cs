using Microsoft.Extensions.Logging;
using Raft.Grains;
using Raft.Grains.Interfaces;
using Raft.Simulation.Explorer;
using Xunit;

namespace Raft.Tests.Explorer;

/// <summary>Each of the explorer's checks catches the violation it is there for, and lets legal states pass.</summary>
public sealed class ExplorerCheckTests
{
    private static LogEntry Entry(long index, long term, string command) => new(index, term, System.Text.Encoding.UTF8.GetBytes(command));

    private static SortedDictionary<long, LogEntry> Log(params LogEntry[] entries) => new(entries.ToDictionary(e => e.Index));

    [Fact]
    public void LogMatchingFlagsLogsThatAgreeOnALaterEntryButDifferBeforeIt()
    {
        var a = Log(Entry(1, 1, "x"), Entry(2, 1, "y"), Entry(3, 2, "z"));
        var b = Log(Entry(1, 1, "x"), Entry(2, 1, "other"), Entry(3, 2, "z"));

        var violations = PersistedLogs.CheckLogMatching([("kv/0", a), ("kv/1", b)]);

        Assert.Equal("log matching: kv/0 and kv/1 agree on index 3 term 2 but differ at index 2: term 1 (1 bytes) vs term 1 (5 bytes)", Assert.Single(violations));
    }

    [Fact]
    public void LogMatchingAcceptsDivergentUncommittedTailsAndCompactedPrefixes()
    {
        var leader = Log(Entry(1, 1, "x"), Entry(2, 1, "y"), Entry(3, 3, "new"));
        var stale = Log(Entry(1, 1, "x"), Entry(2, 1, "y"), Entry(3, 2, "old"), Entry(4, 2, "older"));
        var snapshotted = Log(Entry(3, 3, "new"));

        Assert.Empty(PersistedLogs.CheckLogMatching([("kv/0", leader), ("kv/1", stale), ("kv/2", snapshotted)]));
    }

    [Fact]
    public void AcknowledgedWritesFlagsALostAndADoubledAppend()
    {
        var writes = new AcknowledgedWrites();
        writes.Add("a0", "<1.1>");
        writes.Add("a0", "<1.2>");
        writes.Add("a0", "<2.1>");

        var problems = writes.Check("a0", "<1.1><2.1><1.1>").ToList();

        Assert.Equal(2, problems.Count);
        Assert.StartsWith("write applied twice: append <1.1>", problems[0]);
        Assert.StartsWith("acknowledged write lost: append <1.2>", problems[1]);
        Assert.Empty(writes.Check("a0", "<1.1><1.2><2.1>"));
    }

    [Fact]
    public async Task AppliedCommandRecorderFlagsTwoCommandsAtOneIndexAndAGap()
    {
        var recorder = new AppliedCommandRecorder();
        // Two silos, each with its own factory: the recorder sees both.
        var first = recorder.Wrap(new NoStateMachines()).Create("kv/0");
        var second = recorder.Wrap(new NoStateMachines()).Create("kv/1");

        await first.ApplyAsync(ApplyMsg.ForCommand(Entry(1, 1, "x")), null!);
        await second.ApplyAsync(ApplyMsg.ForCommand(Entry(1, 1, "x")), null!);
        Assert.Empty(recorder.Violations);
        await second.ApplyAsync(ApplyMsg.ForCommand(Entry(2, 1, "y")), null!);
        await first.ApplyAsync(ApplyMsg.ForCommand(Entry(2, 2, "z")), null!);
        await first.ApplyAsync(ApplyMsg.ForCommand(Entry(4, 2, "w")), null!);

        Assert.Collection(recorder.Violations,
            v => Assert.StartsWith("state machine safety: at index 2 kv/0 (activation 1) applied 1 bytes 7A but kv/1 applied 1 bytes 79", v),
            v => Assert.Equal("apply order: kv/0 (activation 1) applied index 4 after 2", v));
    }

    [Fact]
    public void RaftLogWatcherFlagsTwoLeadersOfOneTermAndRecordsErrors()
    {
        var watcher = new RaftLogWatcher();
        using var factory = LoggerFactory.Create(logging => logging.AddProvider(watcher).SetMinimumLevel(LogLevel.Information));
        var peer = factory.CreateLogger(RaftLogWatcher.PeerCategory);

        // The peer grain's own message template, so that a change to it fails here rather than silently blinding the check.
        peer.LogInformation("Raft peer {Peer} won the election for term {Term} (last log index {Index}, commit index {CommitIndex})", "kv/0", 3L, 5L, 4L);
        peer.LogInformation("Raft peer {Peer} won the election for term {Term} (last log index {Index}, commit index {CommitIndex})", "kv/1", 4L, 5L, 4L);
        Assert.Empty(watcher.Violations);
        peer.LogInformation("Raft peer {Peer} won the election for term {Term} (last log index {Index}, commit index {CommitIndex})", "kv/2", 4L, 5L, 4L);
        peer.LogCritical("Raft peer {Peer}: the applier stopped after index {LastApplied}", "kv/2", 7L);

        Assert.Equal("election safety: term 4 has two leaders, kv/1 and kv/2 (won the election)", Assert.Single(watcher.Violations));
        Assert.Equal(new Dictionary<long, string> { [3] = "kv/0", [4] = "kv/1" }, watcher.LeadersByTerm);
        Assert.Contains("the applier stopped after index 7", Assert.Single(watcher.Errors));
    }

    [Fact]
    public void ASeedAlwaysDrawsTheSameScheduleAndTheSeedsCoverEveryFault()
    {
        Assert.Equal(FaultSchedule.Generate(42).ToString(), FaultSchedule.Generate(42).ToString());
        var schedules = Enumerable.Range(1, 200).Select(seed => FaultSchedule.Generate(seed)).ToList();
        Assert.Equal(Enumerable.Range(3, 5), schedules.Select(s => s.PeerCount).Distinct().Order());
        Assert.Equal(Enum.GetValues<FaultKind>().Order(), schedules.SelectMany(s => s.Steps).Select(s => s.Kind).Distinct().Order());
        Assert.Contains(schedules, s => s.CrashAllAfterHeal);
        Assert.Contains(schedules, s => !s.PreVote);
        Assert.Contains(schedules, s => s.PreVote);
        Assert.Contains(schedules, s => s.MaxRaftStateBytes > 0);
        Assert.Contains(schedules, s => s.DiskWriteLatency > TimeSpan.Zero);
        Assert.Contains(schedules, s => s.DiskWriteLatency == TimeSpan.Zero);
        Assert.Contains(schedules, s => s.Tuning.MaxEntriesPerAppend < 9 && s.Tuning.EntriesPerSegment < 9);
    }

    private sealed class NoStateMachines : IRaftStateMachineFactory
    {
        public IRaftStateMachine Create(string peerId) => NoOpStateMachine.Instance;
    }
}
