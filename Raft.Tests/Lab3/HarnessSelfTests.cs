using Raft.Grains;
using Raft.Grains.Interfaces;
using Raft.Tests.Simulation;
using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Raft.Tests.Lab3;

/// <summary>The Lab 3 tester's own parts, without a cluster: command encoding and the apply-channel checker.</summary>
public sealed class HarnessSelfTests(ITestOutputHelper output)
{
    [Fact]
    public void CommandsRoundTripIntsAndStrings()
    {
        Assert.Equal(99L, LabCommand.Decode(LabCommand.Encode(99)));
        Assert.Equal(long.MaxValue, LabCommand.Decode(LabCommand.Encode(long.MaxValue)));
        var text = new string('x', 5000);
        var encoded = LabCommand.Encode(text);
        Assert.Equal(5001, encoded.Length);
        Assert.Equal(text, LabCommand.Decode(encoded));
        Assert.Equal(9, LabCommand.Encode(1).Length);
        Assert.Throws<FormatException>(() => LabCommand.Decode([7, 1, 2]));
    }

    [Fact]
    public void SnapshotsRoundTrip()
    {
        var bytes = LabCommand.EncodeSnapshot(3, [LabCommand.Encode(1), LabCommand.Encode("two"), null]);
        var (index, values) = LabCommand.DecodeSnapshot(bytes);
        Assert.Equal(3, index);
        Assert.Equal([1L, "two", null], values);
        Assert.Throws<FormatException>(() => LabCommand.DecodeSnapshot(bytes[..^1]));
    }

    [Fact]
    public async Task CheckerCountsAgreementAndCatchesConflicts()
    {
        await using var ts = RaftTestHarness.ForCheckerTests(output, 3, snapshot: false);
        var control = new RecordingControl();
        var p0 = ts.StateMachineFor("lab/0");
        var p1 = ts.StateMachineFor("lab/1");
        await p0.ApplyAsync(Command(1, 100), control);
        await p1.ApplyAsync(Command(1, 100), control);
        Assert.Equal((2, (object?)100L), ts.NCommitted(1));
        Assert.Equal(0, ts.NCommitted(2).Count);
        Assert.Null(ts.ApplyError);

        await ts.StateMachineFor("lab/2").ApplyAsync(Command(1, 101), control);
        Assert.Contains("commit index=1", ts.ApplyError);
        Assert.Throws<XunitException>(() => ts.NCommitted(1));
    }

    [Fact]
    public async Task CheckerCatchesApplyOutOfOrder()
    {
        await using var ts = RaftTestHarness.ForCheckerTests(output, 3, snapshot: false);
        await ts.StateMachineFor("lab/0").ApplyAsync(Command(2, 200), new RecordingControl());
        Assert.Contains("apply out of order 2", ts.ApplyError);
    }

    [Fact]
    public async Task RestartedPeerStartsWithAnEmptyMapAndMustReapplyFromOne()
    {
        await using var ts = RaftTestHarness.ForCheckerTests(output, 3, snapshot: false);
        var control = new RecordingControl();
        var old = ts.StateMachineFor("lab/0");
        await old.ApplyAsync(Command(1, 100), control);
        ts.NewIncarnationForTests(0);
        Assert.Equal(0, ts.NCommitted(1).Count);
        // A zombie's apply is checked but no longer counted.
        await old.ApplyAsync(Command(2, 200), control);
        Assert.Equal(0, ts.NCommitted(2).Count);
        Assert.Null(ts.ApplyError);

        var fresh = ts.StateMachineFor("lab/0");
        await fresh.ApplyAsync(Command(1, 100), control);
        Assert.Equal(1, ts.NCommitted(1).Count);
    }

    [Fact]
    public async Task SnapshotApplierSnapshotsEveryTenAndIngestsSnapshots()
    {
        await using var ts = RaftTestHarness.ForCheckerTests(output, 3, snapshot: true);
        var control = new RecordingControl();
        var p0 = ts.StateMachineFor("lab/0");
        for (var index = 1; index <= 12; index++)
        {
            await p0.ApplyAsync(Command(index, index * 10), control);
        }
        Assert.Null(ts.ApplyError);
        var (snapshotIndex, snapshot) = Assert.Single(control.Snapshots);
        Assert.Equal(9, snapshotIndex);
        var (lastIncluded, values) = LabCommand.DecodeSnapshot(snapshot);
        Assert.Equal(9, lastIncluded);
        Assert.Equal(Enumerable.Range(1, 9).Select(i => (object?)(long)(i * 10)), values);

        // Peer 1 catches up from the snapshot, then applies index 10 and 11.
        var p1 = ts.StateMachineFor("lab/1");
        await p1.ApplyAsync(ApplyMsg.ForSnapshot(snapshot, 9, 1), control);
        Assert.Equal(2, ts.NCommitted(5).Count);
        await p1.ApplyAsync(Command(10, 100), control);
        Assert.Equal(2, ts.NCommitted(10).Count);
        Assert.Null(ts.ApplyError);

        // Skipping an index is an error even when the previous index is known.
        await p1.ApplyAsync(Command(12, 120), control);
        Assert.Contains("expected index 11, got 12", ts.ApplyError);
    }

    [Fact]
    public async Task SnapshotApplierRejectsAMismatchedSnapshotIndex()
    {
        await using var ts = RaftTestHarness.ForCheckerTests(output, 3, snapshot: true);
        var snapshot = LabCommand.EncodeSnapshot(2, [LabCommand.Encode(1), LabCommand.Encode(2)]);
        await ts.StateMachineFor("lab/2").ApplyAsync(ApplyMsg.ForSnapshot(snapshot, 3, 1), new RecordingControl());
        Assert.Contains("snapshot doesn't match", ts.ApplyError);
    }

    [Fact]
    public async Task ARestartedPeerWithAPersistedSnapshotMustDeliverItFirst()
    {
        var snapshot = LabCommand.EncodeSnapshot(2, [LabCommand.Encode(1), LabCommand.Encode(2)]);
        var control = new RecordingControl();

        await using var good = RaftTestHarness.ForCheckerTests(output, 3, snapshot: true);
        good.RestartIncarnationForTests(0, snapshot, 2);
        Assert.Equal(1, good.NCommitted(2).Count);
        var p0 = good.StateMachineFor("lab/0");
        await p0.ApplyAsync(ApplyMsg.ForSnapshot(snapshot, 2, 1), control);
        await p0.ApplyAsync(Command(3, 3), control);
        Assert.Null(good.ApplyError);

        await using var bad = RaftTestHarness.ForCheckerTests(output, 3, snapshot: true);
        bad.RestartIncarnationForTests(0, snapshot, 2);
        await bad.StateMachineFor("lab/0").ApplyAsync(Command(3, 3), control);
        Assert.Contains("delivered command 3 first", bad.ApplyError);
    }

    /// <summary>
    /// Peer 0 applied 100 at index 1 and restarted; then the restarted peer itself, or another peer, applies 101 there. No
    /// current incarnation holds index 1 any more: only the retired one's log shows the divergence.
    /// </summary>
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public async Task AnApplyThatDivergesFromWhatARetiredIncarnationAppliedIsCaught(int peer)
    {
        await using var ts = RaftTestHarness.ForCheckerTests(output, 3, snapshot: false);
        var control = new RecordingControl();
        await ts.StateMachineFor("lab/0").ApplyAsync(Command(1, 100), control);
        ts.NewIncarnationForTests(0);
        await ts.StateMachineFor($"lab/{peer}").ApplyAsync(Command(1, 101), control);
        Assert.Contains($"commit index=1 server={peer} 101 != server=0 100", ts.ApplyError);
    }

    [Fact]
    public async Task AnApplyErrorEndsASleepAtOnceAndFailsTheTest()
    {
        // In virtual time: the sleep is longer than the loop allows, so only the apply error can end it in time.
        var clock = new SimulatedTestClock(seed: 1);
        var slept = TimeSpan.Zero;
        await clock.RunAsync(output, async () =>
        {
            await using var ts = RaftTestHarness.ForCheckerTests(output, 3, snapshot: false, clock);
            var started = clock.Time.GetTimestamp();
            var sleep = ts.SleepAsync(TimeSpan.FromHours(1));
            await Task.Delay(TimeSpan.FromMilliseconds(10), clock.Time);
            Assert.False(sleep.IsCompleted);
            await ts.StateMachineFor("lab/0").ApplyAsync(Command(1, 100), new RecordingControl());
            await ts.StateMachineFor("lab/1").ApplyAsync(Command(1, 101), new RecordingControl());
            var failure = await Assert.ThrowsAsync<XunitException>(() => sleep);
            slept = clock.Time.GetElapsedTime(started);
            Assert.Contains("apply error: commit index=1", failure.Message);
        });
        Assert.Equal(TimeSpan.FromMilliseconds(10), slept);
    }

    [Fact]
    public async Task AnApplyErrorAfterTheEndOfTheTestFailsIt()
    {
        var ts = RaftTestHarness.ForCheckerTests(output, 3, snapshot: false);
        var control = new RecordingControl();
        await ts.StateMachineFor("lab/0").ApplyAsync(Command(1, 100), control);
        ts.End();
        await ts.StateMachineFor("lab/1").ApplyAsync(Command(1, 101), control);
        var failure = await Assert.ThrowsAsync<XunitException>(() => ts.DisposeAsync().AsTask());
        Assert.Contains("apply error after the test's end: commit index=1", failure.Message);
    }

    [Fact]
    public async Task APassedTestWithoutApplyErrorsDisposesQuietly()
    {
        var ts = RaftTestHarness.ForCheckerTests(output, 3, snapshot: false);
        await ts.StateMachineFor("lab/0").ApplyAsync(Command(1, 100), new RecordingControl());
        ts.End();
        await ts.DisposeAsync();
    }

    [Fact]
    public void UnknownPeersAreRejected()
    {
        var ts = RaftTestHarness.ForCheckerTests(output, 3, snapshot: false);
        Assert.Throws<ArgumentException>(() => ts.StateMachineFor("lab/3"));
        Assert.Throws<ArgumentException>(() => ts.StateMachineFor("kv/0"));
    }

    private static ApplyMsg Command(long index, long value) =>
        ApplyMsg.ForCommand(new LogEntry(index, 1, LabCommand.Encode(value)));

    private sealed class RecordingControl : IRaftPeerControl
    {
        public List<(long Index, byte[] Data)> Snapshots { get; } = new();

        public string PeerId => "lab/test";

        public long PersistedSize => 0;

        public Task SnapshotAsync(long index, byte[] snapshot)
        {
            Snapshots.Add((index, snapshot));
            return Task.CompletedTask;
        }
    }
}
