using Raft.Client;

using Raft.Simulation.Linearizability;
using Raft.Tests.Linearizability;
using Raft.Tests.Simulation;
using Xunit;
using Xunit.Abstractions;

namespace Raft.Tests.KeyValue;

/// <summary>
/// The course's kvraft test shapes (lab 4, raft-test-suite.md §11) on the Raft key-value service: clients
/// run concurrently against 5 servers while the network is unreliable, partitioned, or every server crashes,
/// and every recorded history must be linearizable.
/// </summary>
[Collection("KeyValue")]
public class KvServiceTests : ClockedTests
{
    public KvServiceTests(ITestOutputHelper output)
        : this(output, TestClock.RealTime)
    {
    }

    protected KvServiceTests(ITestOutputHelper output, TestClock clock)
        : base(output, clock)
    {
    }

    [Fact]
    public Task Basic4B() => GenericTest(clients: 1, servers: 5, reliable: true, crash: false, partitions: false, maxRaftState: -1);

    [Fact]
    public Task Concurrent4B() => GenericTest(clients: 5, servers: 5, reliable: true, crash: false, partitions: false, maxRaftState: -1);

    [Fact]
    public Task Unreliable4B() => GenericTest(clients: 5, servers: 5, reliable: false, crash: false, partitions: false, maxRaftState: -1);

    [Fact]
    public Task ManyPartitionsManyClients4B() => GenericTest(clients: 5, servers: 5, reliable: true, crash: false, partitions: true, maxRaftState: -1);

    [Fact]
    public Task PersistConcurrent4B() => GenericTest(clients: 5, servers: 5, reliable: true, crash: true, partitions: false, maxRaftState: -1);

    [Fact]
    public Task PersistPartitionUnreliable4B() => GenericTest(clients: 5, servers: 5, reliable: false, crash: true, partitions: true, maxRaftState: -1);

    [Fact]
    public Task SnapshotRecover4C() => GenericTest(clients: 1, servers: 5, reliable: true, crash: true, partitions: false, maxRaftState: 1000);

    [Fact]
    public Task SnapshotUnreliableRecoverConcurrentPartition4C() => GenericTest(clients: 5, servers: 5, reliable: false, crash: true, partitions: true, maxRaftState: 1000);

    [Fact]
    public Task OnePartition4B() => RunAsync(async () =>
    {
        await using var kv = await KvTestCluster.StartAsync(Clock, servers: 5);
        var setup = kv.NewClient("setup", 0);
        await setup.PutAsync("1", "13");

        // As the course's MakePartition(leader): the leader ends up in the minority.
        var leader = await FindLeaderAsync(kv);
        var majority = kv.Servers.Where(s => s != leader).Take(3).ToArray();
        var minority = kv.Servers.Except(majority).ToArray();
        kv.Backend.Partition(
            [.. majority.Select(kv.Backend.ServerHost), kv.Backend.ClientHost("majority")],
            [.. minority.Select(kv.Backend.ServerHost), kv.Backend.ClientHost("minority-put"), kv.Backend.ClientHost("minority-get")]);

        // The majority side makes progress.
        var majorityClient = kv.NewClient("majority", 1);
        await majorityClient.PutAsync("1", "14");
        Assert.Equal("14", await majorityClient.GetAsync("1"));

        // A Put and a Get from two clients of the minority (each client runs one operation at a time, so with one
        // client the Get would never have been sent): neither may complete while partitioned.
        var put = kv.NewClient("minority-put", 2).PutAsync("1", "15");
        var get = kv.NewClient("minority-get", 3).GetAsync("1");
        await Task.Delay(TimeSpan.FromSeconds(1), kv.Time);
        Assert.False(put.IsCompleted, "a put in the minority completed");
        Assert.False(get.IsCompleted, "a get in the minority completed");

        // Meanwhile the majority still reads its own value and writes another.
        Assert.Equal("14", await majorityClient.GetAsync("1"));
        await majorityClient.PutAsync("1", "16");
        Assert.Equal("16", await majorityClient.GetAsync("1"));

        // Healed, both complete within 3 seconds; the minority's Put could take effect only after the heal, so it is
        // the last write.
        kv.Backend.Heal();
        await put.WaitAsync(TimeSpan.FromSeconds(3), kv.Time);
        await get.WaitAsync(TimeSpan.FromSeconds(3), kv.Time);
        Assert.Equal("15", await kv.NewClient("after-heal", 4).GetAsync("1"));
        CheckLinearizable(kv);
    });

    [Fact]
    public Task SpeedOfSequentialOperations4B() => SpeedTest(maxRaftState: -1);

    /// <summary>The course's GenericTestSpeed: 1000 sequential operations of one client on 3 servers, under 33 ms each.</summary>
    protected Task SpeedTest(long maxRaftState) => RunAsync(async () =>
    {
        await using var kv = await KvTestCluster.StartAsync(Clock, servers: 3, maxRaftState);
        var client = kv.NewClient("speed", 0);
        await client.PutAsync("x", "");
        var started = kv.Time.GetTimestamp();
        const int operations = 1000;
        for (var i = 0; i < operations; i++)
        {
            await client.AppendAsync("x", "x");
        }
        var took = kv.Time.GetElapsedTime(started);
        var perOperation = took / operations;
        Output.WriteLine($"1000 sequential appends: {took.TotalMilliseconds:F0} ms, {perOperation.TotalMilliseconds:F2} ms/op");
        Assert.Equal(new string('x', operations), await client.GetAsync("x"));
        // The course's bound: a server must commit as soon as it can, not on the next heartbeat.
        Assert.True(perOperation < TimeSpan.FromMilliseconds(33), $"{perOperation.TotalMilliseconds:F1} ms per operation");
    });

    [Fact]
    public Task SnapshotRpc4C() => RunAsync(async () =>
    {
        await using var kv = await KvTestCluster.StartAsync(Clock, servers: 3, maxRaftStateBytes: 1000);
        var client = kv.NewClient("c", 0);
        await client.PutAsync("a", "A");

        // Server 2 falls behind while the others commit enough to snapshot past it.
        var lagging = kv.Servers[2];
        kv.Backend.SetConnected(kv.Backend.ServerHost(lagging), false);
        for (var i = 0; i < 50; i++)
        {
            await client.PutAsync(i.ToString(System.Globalization.CultureInfo.InvariantCulture), "x");
        }
        var leaderStatus = await LeaderStatusAsync(kv);
        Assert.True(leaderStatus.SnapshotIndex > 1, "the leader never snapshotted");

        // Reconnected, it can only catch up through InstallSnapshot; then it must serve as part of a majority.
        kv.Backend.SetConnected(kv.Backend.ServerHost(lagging), true);
        kv.Backend.SetConnected(kv.Backend.ServerHost(kv.Servers.First(s => s != lagging && s != leaderStatus.Id.Split('/')[1])), false);
        await client.PutAsync("b", "B");
        Assert.Equal("A", await client.GetAsync("a"));
        Assert.Equal("B", await client.GetAsync("b"));
        var laggingStatus = await kv.Backend.GetStatus(lagging);
        Assert.True(laggingStatus.SnapshotIndex > 1, "the lagging server never installed a snapshot");
        CheckLinearizable(kv);
    });

    [Fact]
    public Task SnapshotSize4C() => RunAsync(async () =>
    {
        const long maxRaftState = 1000;
        await using var kv = await KvTestCluster.StartAsync(Clock, servers: 3, maxRaftStateBytes: maxRaftState);
        var client = kv.NewClient("c", 0);
        for (var i = 0; i < 200; i++)
        {
            await client.PutAsync("x", "0");
            Assert.Equal("0", await client.GetAsync("x"));
            await client.PutAsync("x", "1");
            Assert.Equal("1", await client.GetAsync("x"));
        }
        var size = await kv.MaxPersistedSizeAsync();
        Assert.True(size <= 8 * maxRaftState, $"persisted Raft state {size} bytes exceeds 8 × {maxRaftState}");
        var snapshot = await kv.MaxSnapshotSizeAsync();
        Output.WriteLine($"Raft state {size} bytes, snapshot {snapshot} bytes");
        Assert.True(snapshot <= 500, $"snapshot is {snapshot} bytes, above the course's 500");
    });

    [Fact]
    public Task AValueOverTheLimitIsRejectedBeforeItReachesTheLog() => RunAsync(async () =>
    {
        await using var kv = await KvTestCluster.StartAsync(Clock, servers: 3);
        var client = kv.NewClient("c", 0);
        await client.PutAsync("k", "small");
        var before = await LeaderStatusAsync(kv);
        await Assert.ThrowsAsync<KeyValueRejectedException>(() => client.PutAsync("k", new string('v', 2 * 1024 * 1024)));
        var after = await LeaderStatusAsync(kv);
        Assert.Equal(before.LastLogIndex, after.LastLogIndex);
        Assert.Equal("small", await client.GetAsync("k"));
    });

    private static async Task<Raft.Grains.Interfaces.RaftStatus> LeaderStatusAsync(KvTestCluster kv)
    {
        var leader = await FindLeaderAsync(kv);
        return await kv.Backend.GetStatus(leader);
    }

    /// <summary>
    /// The course's GenericTest: three iterations of clients running for a while, with optional partitions
    /// and a crash of every server between iterations; each client appends to its own key and checks it,
    /// and the whole history must be linearizable.
    /// </summary>
    /// <param name="randomKeys">The course's "random keys" (Linearizable variants): the clients share 100 keys instead of 3.</param>
    protected Task GenericTest(int clients, int servers, bool reliable, bool crash, bool partitions, long maxRaftState, bool randomKeys = false) => RunAsync(async () =>
    {
        var seed = Clock.ChooseSeed();
        var random = new Random(seed);
        var started = Clock.Time.GetTimestamp();
        await using var kv = await KvTestCluster.StartAsync(Clock, servers, maxRaftState, reliable, seed);
        var expected = new Dictionary<int, string>();
        var totalOperations = 0;
        var sharedKeys = randomKeys ? 100 : 3;
        var partitionsMade = new List<int>();
        for (var iteration = 0; iteration < 3; iteration++)
        {
            using var stop = new CancellationTokenSource();
            var partitioner = partitions ? Partitioner(kv, new Random(random.Next()), stop.Token) : Task.FromResult(0);
            var workers = Enumerable.Range(0, clients).Select(c => ClientLoop(kv, c, iteration, expected, sharedKeys, new Random(random.Next()), stop.Token)).ToArray();
            await Task.Delay(partitions ? PartitionedClientPhase : ClientPhase, kv.Time);
            stop.Cancel();
            partitionsMade.Add(await partitioner);
            kv.Backend.Heal();
            totalOperations += (await Task.WhenAll(workers)).Sum();
            if (crash)
            {
                foreach (var server in kv.Servers)
                {
                    kv.CrashServer(server);
                }
                foreach (var server in kv.Servers)
                {
                    await kv.RestartServerAsync(server);
                }
            }
            // Every client's own key holds exactly what it appended, in order.
            var checker = kv.NewClient("checker" + iteration, 1000 + iteration);
            for (var c = 0; c < clients; c++)
            {
                Assert.Equal(expected.GetValueOrDefault(c, ""), await checker.GetAsync("own-" + c));
            }
            if (maxRaftState > 0)
            {
                var size = await kv.MaxPersistedSizeAsync();
                Assert.True(size <= 8 * maxRaftState, $"persisted Raft state {size} bytes exceeds 8 × {maxRaftState}");
            }
        }
        CheckLinearizable(kv);
        Output.WriteLine($"seed {seed}: {Clock.Time.GetElapsedTime(started).TotalSeconds:F1} s, {servers} servers, {clients} clients, {totalOperations} operations, {kv.Backend.TotalRpcs} RPCs" +
            (partitions ? $", partitions per iteration: {string.Join(", ", partitionsMade)}" : ""));
        // A partition every 1.0-1.2 s through a 5 s phase: at least 4 each time (the review found about 2 in a whole test).
        Assert.All(partitionsMade, made => Assert.True(!partitions || made >= MinPartitionsPerPhase, $"only {made} partitions in a client phase"));
    });

    /// <summary>How long the clients run in each of the three iterations (the 2025 course: 1 s).</summary>
    private static readonly TimeSpan ClientPhase = TimeSpan.FromSeconds(1);

    /// <summary>
    /// With partitions, the clients run 5 s (the 2024 course's phase) so that the course's partitioner, a new split
    /// every 1.0-1.2 s, cuts the group several times while they run; in a 1 s phase it made at most one.
    /// </summary>
    private static readonly TimeSpan PartitionedClientPhase = TimeSpan.FromSeconds(5);

    private const int MinPartitionsPerPhase = 4;

    private static async Task<int> ClientLoop(KvTestCluster kv, int clientNumber, int iteration, Dictionary<int, string> expected, int sharedKeys, Random random, CancellationToken stop)
    {
        var client = kv.NewClient($"c{clientNumber}-{iteration}", clientNumber);
        var own = "own-" + clientNumber;
        var operations = 0;
        var mine = expected.GetValueOrDefault(clientNumber, "");
        while (!stop.IsCancellationRequested)
        {
            var shared = "shared-" + random.Next(sharedKeys);
            var value = $"x {clientNumber} {operations} y";
            switch (random.Next(4))
            {
                case 0:
                    await client.AppendAsync(own, value);
                    mine += value;
                    break;
                case 1:
                    Assert.Equal(mine, await client.GetAsync(own));
                    break;
                case 2:
                    await client.PutAsync(shared, value);
                    break;
                default:
                    await client.GetAsync(shared);
                    break;
            }
            operations++;
        }
        lock (expected)
        {
            expected[clientNumber] = mine;
        }
        return operations;
    }

    /// <summary>
    /// The course's partitioner: every 1.0-1.2 s a new random split of the servers into two sides, here both non-empty
    /// (a side of every server splits nothing), until stopped. Returns how many partitions it made.
    /// </summary>
    private static async Task<int> Partitioner(KvTestCluster kv, Random random, CancellationToken stop)
    {
        var made = 0;
        while (!stop.IsCancellationRequested)
        {
            var servers = kv.Servers.OrderBy(_ => random.Next()).ToArray();
            var cut = random.Next(1, servers.Length);
            kv.Backend.Partition(
                servers[..cut].Select(kv.Backend.ServerHost).ToArray(),
                servers[cut..].Select(kv.Backend.ServerHost).ToArray());
            made++;
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(1000 + random.Next(200)), kv.Time, stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        return made;
    }

    private static async Task<string> FindLeaderAsync(KvTestCluster kv)
    {
        var started = kv.Time.GetTimestamp();
        while (kv.Time.GetElapsedTime(started) < TimeSpan.FromSeconds(10))
        {
            foreach (var server in kv.Servers)
            {
                var state = await kv.Backend.GetState(server);
                if (state.IsLeader)
                {
                    return server;
                }
            }
            await Task.Delay(TimeSpan.FromMilliseconds(50), kv.Time);
        }
        throw new TimeoutException("no leader within 10 s");
    }

    private void CheckLinearizable(KvTestCluster kv)
    {
        var history = kv.History.GetHistory();
        var result = LinearizabilityChecker.Check(VersionedKvModel.Instance, history);
        Output.WriteLine($"linearizability check: {history.Count} operations, {result.PartitionCount} partitions, {result.Steps} steps, {result.Elapsed.TotalMilliseconds:F0} ms");
        LinearizabilityAssert.Linearizable(result);
    }
}
