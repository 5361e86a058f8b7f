using Raft.Tests.Simulation;
using Xunit;
using Xunit.Abstractions;

namespace Raft.Tests.KeyValue;

/// <summary>
/// The key-value service tests in deterministic simulation: the same test code as <see cref="KvServiceTests"/>, its
/// time bounds (e.g. under 33 ms per sequential operation) checked in virtual time. Seed 1 unless RAFT_SIM_SEED says.
/// Also the course's kvraft tests that run here only (simulated: deterministic, and seconds where real time would take
/// minutes), with the course's client and server counts (docs/raft-tests.md lists all 22 and where each lives).
/// The network follows the test names, as the shared tests do: the 2025 MakeTest calls pass an unreliable network to
/// the tests without "Unreliable" in their names and a reliable one to some with it (PersistConcurrentUnreliable4B,
/// PersistPartitionUnreliable4B, PersistPartitionUnreliableLinearizable4B); following the arguments would make
/// PersistPartition4B the same test as PersistPartitionUnreliable4B.
/// </summary>
public sealed class KvServiceTestsSimulated(ITestOutputHelper output) : KvServiceTests(output, new SimulatedTestClock(seed: 1))
{
    [Fact]
    public Task ManyPartitionsOneClient4B() => GenericTest(clients: 1, servers: 5, reliable: true, crash: false, partitions: true, maxRaftState: -1);

    [Fact]
    public Task PersistOneClient4B() => GenericTest(clients: 1, servers: 5, reliable: true, crash: true, partitions: false, maxRaftState: -1);

    [Fact]
    public Task PersistConcurrentUnreliable4B() => GenericTest(clients: 5, servers: 5, reliable: false, crash: true, partitions: false, maxRaftState: -1);

    [Fact]
    public Task PersistPartition4B() => GenericTest(clients: 5, servers: 5, reliable: true, crash: true, partitions: true, maxRaftState: -1);

    [Fact]
    public Task PersistPartitionUnreliableLinearizable4B() =>
        GenericTest(clients: 15, servers: 7, reliable: false, crash: true, partitions: true, maxRaftState: -1, randomKeys: true);

    [Fact]
    public Task Speed4C() => SpeedTest(maxRaftState: 1000);

    [Fact]
    public Task SnapshotRecoverManyClients4C() => GenericTest(clients: 20, servers: 5, reliable: true, crash: true, partitions: false, maxRaftState: 1000);

    [Fact]
    public Task SnapshotUnreliable4C() => GenericTest(clients: 5, servers: 5, reliable: false, crash: false, partitions: false, maxRaftState: 1000);

    [Fact]
    public Task SnapshotUnreliableRecover4C() => GenericTest(clients: 5, servers: 5, reliable: false, crash: true, partitions: false, maxRaftState: 1000);

    [Fact]
    public Task SnapshotUnreliableRecoverConcurrentPartitionLinearizable4C() =>
        GenericTest(clients: 15, servers: 7, reliable: false, crash: true, partitions: true, maxRaftState: 1000, randomKeys: true);
}
