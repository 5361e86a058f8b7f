using Raft.Tests.Simulation;
using Xunit;
using Xunit.Abstractions;

namespace Raft.Tests.Lab3;

/// <summary>
/// 6.5840 Lab 3D: log compaction (spec §9). Every test uses the snapshot applier: it checks that commands arrive at
/// lastApplied + 1, ingests delivered snapshots, and calls Snapshot(index) synchronously at indices 9, 19, 29, ….
/// </summary>
[Collection(Lab3Collection.Name)]
public class Lab3D : ClockedTests
{
    public Lab3D(ITestOutputHelper output)
        : this(output, TestClock.RealTime)
    {
    }

    protected Lab3D(ITestOutputHelper output, TestClock clock)
        : base(output, clock)
    {
    }

    /// <summary>The grain storage the peers persist to; a subclass runs the same tests on another provider.</summary>
    protected virtual LabStorage Storage => LabStorage.Memory;

    [Fact]
    public Task SnapshotBasic3D() =>
        SnapCommon("Test (3D): snapshots basic", disconnect: false, reliable: true, crash: false);

    [Fact]
    public Task SnapshotInstall3D() =>
        SnapCommon("Test (3D): install snapshots (disconnect)", disconnect: true, reliable: true, crash: false);

    [Fact]
    public Task SnapshotInstallUnreliable3D() =>
        SnapCommon("Test (3D): install snapshots (disconnect+unreliable)", disconnect: true, reliable: false, crash: false);

    [Fact]
    public Task SnapshotInstallCrash3D() =>
        SnapCommon("Test (3D): install snapshots (crash)", disconnect: false, reliable: true, crash: true);

    [Fact]
    public Task SnapshotInstallUnCrash3D() =>
        SnapCommon("Test (3D): install snapshots (unreliable+crash)", disconnect: false, reliable: false, crash: true);

    private Task SnapCommon(string description, bool disconnect, bool reliable, bool crash,
        [System.Runtime.CompilerServices.CallerMemberName] string name = "") => RunAsync(async () =>
    {
        const int iters = 30;
        const int servers = 3;
        await using var ts = await RaftTestHarness.CreateAsync(Output, Clock, servers, reliable, description, snapshot: true, storage: Storage, name: name);

        await ts.OneAsync(ts.RandInt(), servers, retry: true);
        var leader1 = await ts.CheckOneLeaderAsync();

        long largestLog = 0;
        long largestStored = 0;
        for (var i = 0; i < iters; i++)
        {
            var victim = (leader1 + 1) % servers;
            var sender = leader1;
            if (i % 3 == 1)
            {
                sender = (leader1 + 1) % servers;
                victim = leader1;
            }

            if (disconnect)
            {
                ts.Disconnect(victim);
                await ts.OneAsync(ts.RandInt(), servers - 1, retry: true);
            }
            if (crash)
            {
                await ts.CrashAsync(victim);
                await ts.OneAsync(ts.RandInt(), servers - 1, retry: true);
            }

            // perhaps send enough to get a snapshot
            var nn = (RaftTestHarness.SnapshotInterval / 2) + ts.RandInt(RaftTestHarness.SnapshotInterval);
            for (var k = 0; k < nn; k++)
            {
                await ts.StartAsync(sender, ts.RandInt());
            }

            // let applier threads catch up with the Start()'s
            if (!disconnect && !crash)
            {
                // make sure all followers have caught up, so that an InstallSnapshot RPC isn't required for
                // TestSnapshotBasic3D().
                await ts.OneAsync(ts.RandInt(), servers, retry: true);
            }
            else
            {
                await ts.OneAsync(ts.RandInt(), servers - 1, retry: true);
            }

            // Both the size the peers report and the bytes actually in storage must stay under the bound.
            var logSize = await ts.LogSizeAsync();
            var storedSize = await ts.StoredLogSizeAsync();
            largestLog = Math.Max(largestLog, logSize);
            largestStored = Math.Max(largestStored, storedSize);
            if (logSize >= RaftTestHarness.MaxLogSize || storedSize >= RaftTestHarness.MaxLogSize)
            {
                RaftTestHarness.Fatal($"Log size too large: {logSize} bytes reported, {storedSize} bytes stored (bound {RaftTestHarness.MaxLogSize}) after iteration {i}");
            }
            if (disconnect)
            {
                // reconnect a follower, who maybe behind and needs to receive a snapshot to catch up.
                ts.Connect(victim);
                await ts.OneAsync(ts.RandInt(), servers, retry: true);
                leader1 = await ts.CheckOneLeaderAsync();
            }
            if (crash)
            {
                await ts.RestartAsync(victim);
                await ts.OneAsync(ts.RandInt(), servers, retry: true);
                leader1 = await ts.CheckOneLeaderAsync();
            }
        }
        Output.WriteLine($"largest persisted Raft state: {largestLog} bytes reported, {largestStored} bytes stored (bound {RaftTestHarness.MaxLogSize})");
        ts.End();
    });

    /// <summary>
    /// Do the servers persist the snapshots, and restart using snapshot along with the tail of the log?
    /// Unreliable network, as in the 2025 release (2024 ran it reliable).
    /// </summary>
    [Fact]
    public Task SnapshotAllCrash3D() => RunAsync(async () =>
    {
        const int servers = 3;
        const int iters = 5;
        await using var ts = await RaftTestHarness.CreateAsync(Output, Clock, servers, reliable: false, "Test (3D): crash and restart all servers", snapshot: true, storage: Storage);

        await ts.OneAsync(ts.RandInt(), servers, retry: true);

        for (var i = 0; i < iters; i++)
        {
            // perhaps enough to get a snapshot
            var nn = (RaftTestHarness.SnapshotInterval / 2) + ts.RandInt(RaftTestHarness.SnapshotInterval);
            for (var k = 0; k < nn; k++)
            {
                await ts.OneAsync(ts.RandInt(), servers, retry: true);
            }

            var index1 = await ts.OneAsync(ts.RandInt(), servers, retry: true);

            // crash all
            await ts.CrashAllAsync();
            await ts.StartAllAsync();

            var index2 = await ts.OneAsync(ts.RandInt(), servers, retry: true);
            if (index2 < index1 + 1)
            {
                RaftTestHarness.Fatal($"index decreased from {index1} to {index2}");
            }
        }
        ts.End();
    });

    /// <summary>
    /// Do servers correctly initialize their in-memory copy of the snapshot, making sure that future writes to
    /// persistent state don't lose state? Unreliable network, as in the 2025 release (2024 ran it reliable).
    /// </summary>
    [Fact]
    public Task SnapshotInit3D() => RunAsync(async () =>
    {
        const int servers = 3;
        await using var ts = await RaftTestHarness.CreateAsync(Output, Clock, servers, reliable: false, "Test (3D): snapshot initialization after crash", snapshot: true, storage: Storage);

        await ts.OneAsync(ts.RandInt(), servers, retry: true);

        // enough ops to make a snapshot
        var nn = RaftTestHarness.SnapshotInterval + 1;
        for (var i = 0; i < nn; i++)
        {
            await ts.OneAsync(ts.RandInt(), servers, retry: true);
        }

        await ts.CrashAllAsync();
        await ts.StartAllAsync();

        // a single op, to get something to be written back to persistent storage.
        await ts.OneAsync(ts.RandInt(), servers, retry: true);

        await ts.CrashAllAsync();
        await ts.StartAllAsync();

        // do another op to trigger potential bug
        await ts.OneAsync(ts.RandInt(), servers, retry: true);
        ts.End();
    });
}
