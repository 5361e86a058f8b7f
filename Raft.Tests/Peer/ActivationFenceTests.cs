using Microsoft.Extensions.Logging;
using Raft.Grains.Interfaces;
using Orleans.Storage;
using Xunit;

namespace Raft.Tests.Peer;

/// <summary>
/// The fence at activation (PERSISTENCE.md, "A write that lands after the restart"), step by step: the test plays the
/// leaders of follower kv/0, whose election timer never fires, and its storage holds one write of a crashed incarnation
/// until the test lands it. The story, with four entries a segment: leader kv/1 of term 1 sends entries 1..4; leader
/// kv/2 of term 2 overwrites entry 4, and kv/0 crashes while that write of raft-log-0 is on its way. The new activation
/// reads entry 4 of term 1; leader kv/1 of term 3 (elected with its vote on that log) appends entry 5, in raft-log-1,
/// and kv/0 acknowledges it. Were the held write to land now, raft-log-0 would end in a term-2 entry that raft-log-1
/// does not link to, and the next load would drop the acknowledged entry 5.
/// On Orleans: a crash is LabTestCluster's (the crashed activation's in-flight answer is lost, its next writes refused,
/// and the next call activates anew); the held write's writer is failed at the crash, since Orleans lets the crashed
/// activation's running request end before a new activation starts, where the old runtime did not wait for it.
/// </summary>
[Collection(PeerTestCollection.Name)]
public sealed class ActivationFenceTests
{
    private const string Follower = "kv/0";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task ALateWriteOfTheCrashedIncarnation_IsRefusedByTheFence_AndEveryAcknowledgedEntrySurvives()
    {
        var (landing, restarted) = await LandTheHeldWriteAfterEntry5IsAcknowledgedAsync(declaresLateWrites: true);

        Assert.IsType<InconsistentStateException>(landing);
        Assert.Equal((5L, 3L), (restarted.LastLogIndex, restarted.LastLogTerm));
    }

    [Fact]
    public async Task WithoutTheFence_TheSameLateWriteLands_AndTheNextLoadDropsAnAcknowledgedEntry()
    {
        // The gap the fence closes: storage that does not declare late writes gets no fence, and the held write lands.
        var (landing, restarted) = await LandTheHeldWriteAfterEntry5IsAcknowledgedAsync(declaresLateWrites: false);

        Assert.Null(landing);
        Assert.Equal((4L, 2L), (restarted.LastLogIndex, restarted.LastLogTerm));
    }

    [Fact]
    public async Task ALateWriteLandingBetweenTheReadAndTheFence_StopsThatActivation_AndTheNextOneReadsIt()
    {
        var storage = new HeldWriteStorage(declaresLateWrites: true);
        var log = new CapturedLog();
        await using var raft = await StartAsync(storage, log);
        await CrashWhileTheOverwriteIsOnItsWayAsync(raft, storage);
        storage.LandHeldWriteBeforeNextWriteOf(raft.GrainIdOf(Follower));

        // This call activates kv/0. Its first fence write (raft-log-0: segments go first) meets the write that landed
        // after its read, so that activation deactivates without answering, and the call goes to the next activation.
        var status = await raft.Peer(Follower).GetStatus();

        Assert.Null(await storage.Landed.Task.WaitAsync(Patience));
        var warning = log.Lines.SingleOrDefault(line => line.Level == LogLevel.Warning && line.Message.Contains("another writer changed the record", StringComparison.Ordinal));
        Assert.True(warning is not null, "no warning about the refused fence write in the silo log");
        Assert.Contains($"Raft peer {Follower}", warning.Message, StringComparison.Ordinal);
        Assert.Contains("record 'raft-log-0'", warning.Message, StringComparison.Ordinal);
        Assert.Contains("Deactivating", warning.Message, StringComparison.Ordinal);
        // The answering activation read the late write: as if kv/0 had crashed just after that write completed.
        Assert.Equal((2L, 4L, 2L), (status.Term, status.LastLogIndex, status.LastLogTerm));

        Assert.True((await AppendEntry5InTerm3Async(raft, prevTerm: 2)).Success);
        var restarted = await RestartAsync(raft);
        Assert.Equal((5L, 3L), (restarted.LastLogIndex, restarted.LastLogTerm));
    }

    /// <summary>The story up to the new activation's acknowledgement of entry 5; then the held write lands, and kv/0 restarts.</summary>
    private static async Task<(Exception? Landing, RaftStatus Restarted)> LandTheHeldWriteAfterEntry5IsAcknowledgedAsync(bool declaresLateWrites)
    {
        var storage = new HeldWriteStorage(declaresLateWrites);
        await using var raft = await StartAsync(storage, new CapturedLog());
        await CrashWhileTheOverwriteIsOnItsWayAsync(raft, storage);

        Assert.True((await AppendEntry5InTerm3Async(raft, prevTerm: 1)).Success);
        var landing = await storage.LandHeldWrite();
        return (landing, await RestartAsync(raft));
    }

    private static Task<RaftTestCluster> StartAsync(HeldWriteStorage storage, CapturedLog log) =>
        RaftTestCluster.StartAsync(
            configureRaft: options =>
            {
                options.EntriesPerSegment = 4;
                options.ElectionTimeoutMin = TimeSpan.FromHours(1);
                options.ElectionTimeoutMax = TimeSpan.FromHours(2);
            },
            configureCluster: RaftTestCluster.WithStorage(storage, log, storage.Traits),
            wake: false);

    /// <summary>Entries 1..4 of term 1 acknowledged; then the overwrite of entry 4 by term 2 is held on its way, and kv/0 crashes.</summary>
    private static async Task CrashWhileTheOverwriteIsOnItsWayAsync(RaftTestCluster raft, HeldWriteStorage storage)
    {
        var peer = raft.Peer(Follower);
        var entries = Enumerable.Range(1, 4).Select(index => Entry(index, term: 1)).ToArray();
        Assert.True((await peer.AppendEntries(new AppendEntriesRequest(1, "kv/1", 0, 0, entries, 0))).Success);

        storage.HoldNextWrite(raft.GrainIdOf(Follower), "raft-log-0");
        var overwrite = peer.AppendEntries(new AppendEntriesRequest(2, "kv/2", 3, 1, [Entry(4, term: 2)], 0));
        Assert.Equal("raft-log-0", await storage.Held.Task.WaitAsync(Patience));
        raft.Restart(Follower);
        storage.LoseHeldWritersAnswer();
        await Assert.ThrowsAnyAsync<Exception>(() => overwrite); // never acknowledged
    }

    private static Task<AppendEntriesResponse> AppendEntry5InTerm3Async(RaftTestCluster raft, long prevTerm) =>
        raft.Peer(Follower).AppendEntries(new AppendEntriesRequest(3, "kv/1", 4, prevTerm, [Entry(5, term: 3)], 0));

    private static async Task<RaftStatus> RestartAsync(RaftTestCluster raft)
    {
        raft.Restart(Follower);
        return await raft.Peer(Follower).GetStatus();
    }

    private static LogEntry Entry(long index, long term) => new(index, term, BitConverter.GetBytes(index));
}
