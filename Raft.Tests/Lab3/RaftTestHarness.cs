using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Raft.Grains;
using Raft.Grains.Interfaces;
using Raft.Simulation;
using Raft.TestingHost;
using Raft.Tests.Simulation;
using Xunit;
using Xunit.Abstractions;

namespace Raft.Tests.Lab3;

/// <summary>The Lab 3 tests run one at a time: they measure time and RPC counts.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class Lab3Collection
{
    public const string Name = "Lab3";
}

/// <summary>
/// The 6.5840 Raft tester ("config" in 2024, "Test" in 2025) over our grain runtime: N peers "lab/0".."lab/{N-1}"
/// in an Orleans <see cref="LabTestCluster"/> with memory storage and the labrpc-like <see cref="LabNetworkFilter"/>
/// (long delays on), a per-peer checking state machine on the apply channel, and the tester's helpers
/// (checkOneLeader, checkTerms, checkNoLeader, nCommitted, one, wait, counters).
///
/// Peer life cycle (spec §3, 2025 semantics):
/// - Disconnect(i)/Connect(i) are DisconnectAll/ConnectOne: i can talk to j when both are connected.
/// - Crash(i) is ShutdownServer: disconnect, then kill the activation (LabTestCluster.CrashGrain). A crashed peer stays
///   network-disconnected whatever its connected flag says, so no RPC can re-activate it, and the harness never calls it.
/// - RestartAsync(i) is restart: crash if alive, a new checker incarnation (empty log map, lastApplied 0),
///   LabTestCluster.RestartGrain, then ConnectAll, then Wake(). A restarted peer re-applies from index 1, or from the
///   snapshot it persisted, which it must deliver first (IRaftStateMachine: "exactly once per activation").
/// Test calls (Start, GetState, ...) go straight to the grain, bypassing the simulated network, like the Go
/// tester's direct calls. They are issued under the life-cycle lock so that a crash cannot interleave between
/// "is it alive?" and the call reaching the activation (the call is enqueued synchronously with one silo).
/// </summary>
public sealed class RaftTestHarness : IAsyncDisposable
{
    public const string Group = "lab";

    /// <summary>6.5840's RaftElectionTimeout: only a unit of sleeping.</summary>
    public static readonly TimeSpan ElectionTimeout = TimeSpan.FromMilliseconds(1000);

    public const int SnapshotInterval = 10;

    public const int MaxLogSize = 2000;

    private readonly object mu = new();     // checker state: incarnations, logs, apply error, maxIndex
    private readonly object life = new();   // alive / connected flags, crash, restart, issuing test calls
    private readonly object randomGate = new();
    private readonly ITestOutputHelper output;
    private readonly string name;
    private readonly string description;
    private readonly Random random;
    private readonly Incarnation[] current;
    private readonly List<Incarnation> retired = new();
    private readonly bool[] connected;
    private readonly bool[] alive;
    private readonly int[] epoch;
    private readonly long[] sizeAtCrash;
    private readonly TestClock clock;
    private readonly long startedAt;
    private long beganAt;
    private ILabCluster? cluster;
    private string? applyError;
    private readonly TaskCompletionSource applyFailed = new();
    private volatile bool stopping;
    private long maxIndex;
    private long maxIndex0;
    private long rpcs0;
    private long bytes0;
    private volatile bool finished;
    private bool passed;
    private readonly Queue<string> trace = new();
    private readonly LabStorage storage;

    private RaftTestHarness(ITestOutputHelper output, TestClock clock, string name, string description, int servers, bool snapshot, int seed, LabStorage? storage = null)
    {
        this.output = output;
        this.clock = clock;
        startedAt = clock.Time.GetTimestamp();
        beganAt = startedAt;
        this.storage = storage ?? LabStorage.Memory;
        this.name = name;
        this.description = description;
        N = servers;
        SnapshotMode = snapshot;
        Seed = seed;
        random = new Random(seed);
        current = new Incarnation[servers];
        connected = new bool[servers];
        alive = new bool[servers];
        epoch = new int[servers];
        sizeAtCrash = new long[servers];
        for (var i = 0; i < servers; i++)
        {
            current[i] = new Incarnation(i, 0);
        }
    }

    public int N { get; }

    /// <summary>3D: the snapshot applier (applierSnap) instead of the plain one.</summary>
    public bool SnapshotMode { get; }

    public int Seed { get; }

    /// <summary>The grain storage the peers persist to (memory unless a test class selects another).</summary>
    public LabStorage Storage => storage;

    /// <summary>The clock of the test and its cluster: the system's, or the simulation loop's virtual time.</summary>
    public TimeProvider Time => clock.Time;

    private ILabCluster Cluster => cluster ?? throw new InvalidOperationException("not started");

    /// <summary>
    /// make_config + begin: deploys the cluster on <paramref name="clock"/> (real time or simulation), starts and
    /// connects every peer. The clock chooses the seed (real time: RAFT_TEST_SEED when set, to replay a failure, else
    /// random; simulation: the test class's fixed seed unless RAFT_SIM_SEED sets another); it is printed in the result
    /// line and seeds the test's choices, the simulated network and the peers' election timeouts.
    /// <paramref name="storage"/> selects the grain storage (default: the shared memory storage).
    /// </summary>
    public static async Task<RaftTestHarness> CreateAsync(
        ITestOutputHelper output,
        TestClock clock,
        int servers,
        bool reliable,
        string description,
        bool snapshot = false,
        int silos = 1,
        Action<ISiloBuilder>? configureSilo = null,
        LabStorage? storage = null,
        [CallerMemberName] string name = "")
    {
        var seed = clock.ChooseSeed();
        // In simulation the JIT's wall time is not the cluster's time: nothing to warm up.
        if (!clock.IsSimulated && await WarmUpOnceAsync() is { } took)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"(first test in this process: {took.TotalSeconds:F1} s JIT warm-up before it, not counted)"));
        }
        var harness = new RaftTestHarness(output, clock, name, description, servers, snapshot, seed, storage);
        try
        {
            await harness.StartAsync(reliable, silos, configureSilo);
        }
        catch
        {
            await harness.DisposeAsync();
            throw;
        }
        return harness;
    }

    private static readonly SemaphoreSlim WarmUpGate = new(1, 1);
    private static bool warmedUp;

    /// <summary>
    /// Once per process, before the first test: a throwaway 3-peer cluster elects, commits, snapshots, installs a
    /// snapshot on a lagging follower and restarts a peer, so that the grain, runtime and serializer code paths are
    /// JIT-compiled. Otherwise the first test runs while .NET compiles them (Go has no such cold start): on a loaded
    /// 2-core machine that delayed first RPCs past the peers' RPC timeout and caused elections nobody asked for.
    /// Nothing here is checked; whatever happens, the tests proper start from a fresh cluster. Returns how long it
    /// took, or null if it had run already.
    /// </summary>
    private static async Task<TimeSpan?> WarmUpOnceAsync()
    {
        await WarmUpGate.WaitAsync();
        try
        {
            if (warmedUp)
            {
                return null;
            }
            warmedUp = true;
            var clock = Stopwatch.StartNew();
            var harness = new RaftTestHarness(new DiscardOutput(), TestClock.RealTime, "warm-up", "warm-up", 3, snapshot: true, seed: 1);
            try
            {
                var work = WarmUpAsync(harness);
                await Task.WhenAny(work, Task.Delay(TimeSpan.FromSeconds(20)));
                harness.finished = true; // ends one() loops still running
                await Task.WhenAny(work, Task.Delay(TimeSpan.FromSeconds(15)));
            }
            finally
            {
                await harness.DisposeAsync();
            }
            return clock.Elapsed;
        }
        finally
        {
            WarmUpGate.Release();
        }
    }

    private static async Task WarmUpAsync(RaftTestHarness h)
    {
        try
        {
            await h.StartAsync(reliable: true, silos: 1, configureSilo: null);
            for (var k = 0; k < 12; k++)
            {
                await h.OneAsync(k + 1, 3, retry: true);
            }
            var leader = await h.CheckOneLeaderAsync();
            var lagging = (leader + 1) % 3;
            h.Disconnect(lagging);
            for (var k = 0; k < 12; k++)
            {
                await h.OneAsync(100 + k, 2, retry: true);
            }
            h.Connect(lagging);
            await h.OneAsync(200, 3, retry: true);
            await h.RestartAsync(lagging);
            await h.OneAsync(201, 3, retry: true);
            await h.GetStatusAsync(lagging);
            await h.LogSizeAsync();
        }
        catch (Exception)
        {
            // A warm-up only: the tests report whatever goes wrong.
        }
    }

    private sealed class DiscardOutput : ITestOutputHelper
    {
        public void WriteLine(string message)
        {
        }

        public void WriteLine(string format, params object[] args)
        {
        }
    }

    private async Task StartAsync(bool reliable, int silos, Action<ISiloBuilder>? configureSilo)
    {
        var factory = new StateMachineFactory(this);
        // The peers' own log lines (elections, leader changes; Debug adds lost RPCs) go into the trace that a failing
        // test prints. RAFT_TEST_LOG=Debug|Information|Warning|None, default Information.
        var level = Enum.TryParse<LogLevel>(Environment.GetEnvironmentVariable("RAFT_TEST_LOG"), ignoreCase: true, out var parsed)
            ? parsed
            : LogLevel.Information;
        void ConfigureLogging(ILoggingBuilder logging) => logging
            .AddProvider(new TraceLoggerProvider(this))
            .AddFilter<TraceLoggerProvider>("Raft.Grains", level)
            .AddFilter<TraceLoggerProvider>((category, _) => category?.StartsWith("Raft.Grains", StringComparison.Ordinal) == true);
        var network = new SimulatedNetworkOptions { Seed = Seed };
        if (clock is SimulatedTestClock simulated)
        {
            // In simulation the peers are the production drivers on the simulator, with no grain runtime.
            if (storage != LabStorage.Memory || silos != 1 || configureSilo is not null)
            {
                throw new InvalidOperationException("A simulated lab test runs on the simulator's disks, with no silos to configure.");
            }
            network.Latency = SimulatedTestClock.MessageLatency;
            var raft = new RaftOptions { Seed = Seed };
            storage.ConfigureRaft(raft);
            cluster = await SimulatedLabCluster.StartAsync(simulated.Loop, Group, N, raft, network, factory,
                LoggerFactory.Create(ConfigureLogging));
        }
        else
        {
            cluster = await GrainLabCluster.DeployAsync(Group, N, Seed, silos, storage, network, factory, ConfigureLogging, configureSilo);
        }
        cluster.Reliable = reliable;
        lock (life)
        {
            for (var i = 0; i < N; i++)
            {
                alive[i] = true;
                connected[i] = true;
            }
        }
        Begin();
    }

    private void Begin()
    {
        rpcs0 = RpcTotal();
        bytes0 = BytesTotal();
        lock (mu)
        {
            maxIndex0 = maxIndex;
        }
        beganAt = Time.GetTimestamp();
    }

    private TimeSpan SinceBegin => Time.GetElapsedTime(beganAt);

    /// <summary>Records a harness action with its time since Begin; the last ones are printed when a test fails.</summary>
    private void Trace(string text)
    {
        lock (trace)
        {
            trace.Enqueue(string.Create(CultureInfo.InvariantCulture, $"{SinceBegin.TotalSeconds,7:F3}s {text}"));
            while (trace.Count > 2000)
            {
                trace.Dequeue();
            }
        }
    }

    // ---------------------------------------------------------------- randomness

    /// <summary>Go's rand.Int(): a non-negative 63-bit int. Thread-safe.</summary>
    public long RandInt()
    {
        lock (randomGate)
        {
            return random.NextInt64(long.MaxValue);
        }
    }

    /// <summary>A uniform int in [0, max).</summary>
    public int RandInt(int max)
    {
        lock (randomGate)
        {
            return random.Next(max);
        }
    }

    /// <summary>tester.Randstring(n): n random characters from a base64 alphabet.</summary>
    public string RandString(int n)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        var chars = new char[n];
        lock (randomGate)
        {
            for (var k = 0; k < n; k++)
            {
                chars[k] = alphabet[random.Next(alphabet.Length)];
            }
        }
        return new string(chars);
    }

    // ---------------------------------------------------------------- network and life cycle

    public bool IsConnected(int i)
    {
        lock (life)
        {
            return connected[i] && alive[i];
        }
    }

    public bool IsAlive(int i)
    {
        lock (life)
        {
            return alive[i];
        }
    }

    /// <summary>ConnectOne(i): i can talk to every other connected peer.</summary>
    public void Connect(int i)
    {
        Trace($"connect {i}");
        lock (life)
        {
            connected[i] = true;
            ApplyConnectivity(i);
        }
    }

    /// <summary>DisconnectAll(i): all of i's incoming and outgoing messages fail; i keeps running.</summary>
    public void Disconnect(int i)
    {
        Trace($"disconnect {i}");
        lock (life)
        {
            connected[i] = false;
            ApplyConnectivity(i);
        }
    }

    public void ConnectAll()
    {
        lock (life)
        {
            for (var i = 0; i < N; i++)
            {
                connected[i] = true;
                ApplyConnectivity(i);
            }
        }
    }

    private void ApplyConnectivity(int i)
    {
        Cluster.SetConnected(i, connected[i] && alive[i]);
    }

    public void SetReliable(bool reliable)
    {
        Trace($"reliable={reliable}");
        Cluster.Reliable = reliable;
    }

    public void SetLongReordering(bool on)
    {
        Trace($"long reordering={on}");
        Cluster.LongReordering = on;
    }

    /// <summary>
    /// ShutdownServer(i): disconnect and kill the peer. What it persisted before stays; its later writes, replies and
    /// applies are lost (its checker incarnation is kept for nCommitted until the restart, as in Go).
    /// </summary>
    public async Task CrashAsync(int i)
    {
        if (!IsAlive(i))
        {
            return;
        }
        if (SnapshotMode)
        {
            // LogSize() reads every server's persister, crashed ones included; a crashed grain cannot be asked
            // (a call would re-activate it), so remember its size now. Its later writes never land.
            var size = await Cluster.GetPersistedSize(i);
            lock (mu)
            {
                sizeAtCrash[i] = size;
            }
        }
        Trace($"crash {i}");
        lock (life)
        {
            CrashLocked(i);
        }
    }

    private void CrashLocked(int i)
    {
        if (!alive[i])
        {
            return;
        }
        connected[i] = false;
        alive[i] = false;
        epoch[i]++;
        ApplyConnectivity(i);
        lock (mu)
        {
            current[i].Crashed = true;
        }
        Cluster.Crash(i);
    }

    /// <summary>Shutdown(): crash every peer.</summary>
    public async Task CrashAllAsync()
    {
        for (var i = 0; i < N; i++)
        {
            await CrashAsync(i);
        }
    }

    /// <summary>
    /// restart(i) (2025): crash if alive, start a new incarnation from the persisted state, then ConnectAll.
    /// </summary>
    public async Task RestartAsync(int i)
    {
        if (IsAlive(i))
        {
            await CrashAsync(i);
        }
        // A write the crashed peer had already handed to its storage goes on and lands or fails (over the network, on
        // Azure). The new incarnation waits for it before it loads; wait here too, so that the checker below ingests
        // the snapshot the new incarnation will load.
        await Cluster.WaitForStorageWritesAsync(i);
        Trace($"restart {i}");
        // 6.5840 start1: the checker ingests the snapshot the server persisted before it crashed. Read it while the
        // peer is dead (nothing can write it now) and before the new activation can deliver anything.
        var persisted = SnapshotMode ? await Cluster.ReadPersistedSnapshotAsync(i) : null;
        lock (life)
        {
            CrashLocked(i);
            NewIncarnation(i);
            if (persisted is { } snapshot)
            {
                IngestPersistedSnapshot(i, snapshot.Data, snapshot.LastIncludedIndex);
                Trace($"restart {i}: checker ingested its persisted snapshot through {snapshot.LastIncludedIndex}");
            }
            epoch[i]++;
            alive[i] = true;
            Cluster.Restart(i);
            for (var j = 0; j < N; j++)
            {
                connected[j] = true;
                ApplyConnectivity(j);
            }
        }
        await Cluster.Wake(i);
    }

    /// <summary>StartServers(): restart every peer (each was crashed first), then ConnectAll.</summary>
    public async Task StartAllAsync()
    {
        for (var i = 0; i < N; i++)
        {
            await RestartAsync(i);
        }
    }

    // ---------------------------------------------------------------- calls to peers

    /// <summary>Issues a call to a live peer under the life-cycle lock (so a crash cannot slip in before it is enqueued).</summary>
    private Task<T> Call<T>(int i, Func<ILabCluster, Task<T>> call, out int callEpoch)
    {
        lock (life)
        {
            if (!alive[i])
            {
                throw new InvalidOperationException($"test bug: peer {i} is crashed and must not be called");
            }
            callEpoch = epoch[i];
            return call(Cluster);
        }
    }

    private bool EpochChanged(int i, int callEpoch)
    {
        lock (life)
        {
            return epoch[i] != callEpoch;
        }
    }

    /// <summary>rf.Start(cmd) on a live peer.</summary>
    public async Task<StartResult> StartAsync(int i, object command)
    {
        var started = Time.GetTimestamp();
        var result = await Call(i, c => c.Start(i, LabCommand.Encode(command)), out _);
        CountStart(Time.GetElapsedTime(started));
        return result;
    }

    private readonly object statsGate = new();
    private long startCalls;
    private TimeSpan startTotal;
    private TimeSpan startMax;
    private TimeSpan sleepRequested;
    private TimeSpan sleepTaken;

    private void CountStart(TimeSpan took)
    {
        lock (statsGate)
        {
            startCalls++;
            startTotal += took;
            if (took > startMax)
            {
                startMax = took;
            }
        }
    }

    /// <summary>
    /// rf.Start(cmd) when the peer may crash concurrently (churn clients): null if it is dead, or if the call failed
    /// because it was crashed meanwhile (Go's tester would have read a nil Raft); any other failure propagates.
    /// </summary>
    public async Task<StartResult?> TryStartAsync(int i, object command)
    {
        Task<StartResult> task;
        int callEpoch;
        lock (life)
        {
            if (!alive[i])
            {
                return null;
            }
            task = Call(i, c => c.Start(i, LabCommand.Encode(command)), out callEpoch);
        }
        try
        {
            return await task;
        }
        catch (Exception) when (EpochChanged(i, callEpoch))
        {
            return null;
        }
    }

    public Task<RaftState> GetStateAsync(int i) => Call(i, c => c.GetState(i), out _);

    public Task<RaftStatus> GetStatusAsync(int i) => Call(i, c => c.GetStatus(i), out _);

    // ---------------------------------------------------------------- counters

    /// <summary>RPCs that reached peer i (labrpc GetCount).</summary>
    public long RpcCount(int i) => Cluster.ReceivedCount(i);

    /// <summary>Every RPC sent, dropped ones included (labrpc GetTotalCount).</summary>
    public long RpcTotal() => Cluster.TotalCount;

    /// <summary>Request bytes of every RPC plus reply bytes of delivered replies (labrpc GetTotalBytes).</summary>
    public long BytesTotal() => Cluster.TotalBytes;

    /// <summary>
    /// LogSize(): the largest persisted Raft state (hard state and log, not the snapshot) over all peers, as the peers
    /// report it (GetPersistedSize, the contract's RaftStateSize); a crashed peer counts with its size at the crash.
    /// </summary>
    public async Task<long> LogSizeAsync()
    {
        long largest = 0;
        for (var i = 0; i < N; i++)
        {
            long size;
            if (IsAlive(i))
            {
                size = await Call(i, c => c.GetPersistedSize(i), out _);
            }
            else
            {
                lock (mu)
                {
                    size = sizeAtCrash[i];
                }
            }
            largest = Math.Max(largest, size);
        }
        return largest;
    }

    /// <summary>
    /// The same bound measured independently of the peers' own accounting: the largest sum, over peers, of the bytes
    /// of their records in the grain storage (envelopes included), every record except the snapshot (records whose
    /// state name contains "snapshot"). Exact for crashed peers too.
    /// </summary>
    public async Task<long> StoredLogSizeAsync()
    {
        long largest = 0;
        for (var i = 0; i < N; i++)
        {
            largest = Math.Max(largest, await Cluster.StoredLogBytesAsync(i));
        }
        return largest;
    }

    // ---------------------------------------------------------------- checks

    /// <summary>Fails the test with <paramref name="message"/> (Go's t.Fatalf).</summary>
    [DoesNotReturn]
    public static void Fatal(string message) => throw new Xunit.Sdk.XunitException(message);

    /// <summary>Fails the test if the applier found an error (Go's applier calls log.Fatalf; see <see cref="PauseAsync"/>).</summary>
    public void ThrowIfApplyError()
    {
        string? error;
        lock (mu)
        {
            error = applyError;
        }
        if (error is not null)
        {
            Fatal($"apply error: {error}");
        }
    }

    public async Task SleepAsync(TimeSpan delay)
    {
        var started = Time.GetTimestamp();
        await PauseAsync(delay);
        lock (statsGate)
        {
            sleepRequested += delay;
            sleepTaken += Time.GetElapsedTime(started);
        }
    }

    /// <summary>
    /// Waits <paramref name="delay"/> on the test's clock, or less: an apply error ends the wait at once and fails the
    /// test, as Go's applier ends the whole test process with log.Fatalf. Every wait of the harness (sleeps, one()'s
    /// polls) goes through here, so a test never goes on for seconds past an apply error.
    /// </summary>
    private async Task PauseAsync(TimeSpan delay)
    {
        using var cancel = new CancellationTokenSource();
        await Task.WhenAny(Task.Delay(delay, Time, cancel.Token), applyFailed.Task);
        cancel.Cancel(); // the timer of an interrupted wait
        ThrowIfApplyError();
    }

    public Task SleepAsync(int milliseconds) => SleepAsync(TimeSpan.FromMilliseconds(milliseconds));

    /// <summary>checkOneLeader(): up to 10 rounds of 450–549 ms; fatal on two leaders in one term or on none.</summary>
    public async Task<int> CheckOneLeaderAsync()
    {
        for (var iters = 0; iters < 10; iters++)
        {
            await SleepAsync(450 + RandInt(100));
            var leaders = new Dictionary<long, List<int>>();
            for (var i = 0; i < N; i++)
            {
                if (IsConnected(i))
                {
                    var state = await GetStateAsync(i);
                    if (state.IsLeader)
                    {
                        if (!leaders.TryGetValue(state.Term, out var list))
                        {
                            leaders[state.Term] = list = new List<int>();
                        }
                        list.Add(i);
                    }
                }
            }
            var lastTermWithLeader = -1L;
            foreach (var (term, list) in leaders)
            {
                if (list.Count > 1)
                {
                    Fatal($"term {term} has {list.Count} (>1) leaders: {string.Join(", ", list)}");
                }
                lastTermWithLeader = Math.Max(lastTermWithLeader, term);
            }
            if (leaders.Count != 0)
            {
                Trace($"checkOneLeader: {leaders[lastTermWithLeader][0]} in term {lastTermWithLeader}");
                return leaders[lastTermWithLeader][0];
            }
        }
        Fatal("expected one leader, got none");
        return -1;
    }

    /// <summary>checkTerms(): every connected peer has the same term; returns it (-1 if none connected).</summary>
    public async Task<long> CheckTermsAsync()
    {
        var term = -1L;
        for (var i = 0; i < N; i++)
        {
            if (IsConnected(i))
            {
                var xterm = (await GetStateAsync(i)).Term;
                if (term == -1)
                {
                    term = xterm;
                }
                else if (term != xterm)
                {
                    Fatal($"servers disagree on term ({term} != {xterm} at server {i})");
                }
            }
        }
        return term;
    }

    /// <summary>checkNoLeader(): no connected peer thinks it is the leader.</summary>
    public async Task CheckNoLeaderAsync()
    {
        for (var i = 0; i < N; i++)
        {
            if (IsConnected(i) && (await GetStateAsync(i)).IsLeader)
            {
                Fatal($"expected no leader among connected servers, but {i} claims to be leader");
            }
        }
    }

    /// <summary>nCommitted(index): how many peers applied index, and the value; fatal if they differ or on an apply error.</summary>
    public (int Count, object? Command) NCommitted(long index)
    {
        lock (mu)
        {
            if (applyError is not null)
            {
                Fatal($"apply error: {applyError}");
            }
            var count = 0;
            object? command = null;
            foreach (var incarnation in current)
            {
                if (incarnation.Logs.TryGetValue(index, out var value))
                {
                    if (count > 0 && !Equals(command, value))
                    {
                        Fatal($"committed values do not match: index {index}, {LabCommand.Show(command)}, {LabCommand.Show(value)}");
                    }
                    count++;
                    command = value;
                }
            }
            return (count, command);
        }
    }

    /// <summary>
    /// one(cmd, expectedServers, retry): a complete agreement. Tries the connected live peers round robin until one
    /// accepts as leader, then polls nCommitted every 20 ms for 2 s; retries (or fails when !retry) for up to 10 s.
    /// Returns the index.
    /// </summary>
    public async Task<long> OneAsync(object command, int expectedServers, bool retry)
    {
        var t0 = Time.GetTimestamp();
        var expected = Normalize(command);
        var starts = 0;
        while (Time.GetElapsedTime(t0) < TimeSpan.FromSeconds(10) && !finished)
        {
            var index = -1L;
            for (var k = 0; k < N; k++)
            {
                starts = (starts + 1) % N;
                if (IsConnected(starts))
                {
                    var result = await StartAsync(starts, command);
                    if (result.IsLeader)
                    {
                        index = result.Index;
                        Trace($"one({LabCommand.Show(command)}): {starts} accepted at index {index} in term {result.Term}");
                        break;
                    }
                }
            }
            if (index != -1)
            {
                var t1 = Time.GetTimestamp();
                while (Time.GetElapsedTime(t1) < TimeSpan.FromSeconds(2))
                {
                    var (nd, cmd1) = NCommitted(index);
                    if (nd > 0 && nd >= expectedServers && Equals(cmd1, expected))
                    {
                        Trace($"one({LabCommand.Show(command)}) committed at {index} on {nd}");
                        return index;
                    }
                    await PauseAsync(TimeSpan.FromMilliseconds(20));
                }
                if (!retry)
                {
                    Fatal($"one({LabCommand.Show(command)}) failed to reach agreement (index {index}, {NCommitted(index).Count} of {expectedServers} servers)");
                }
            }
            else
            {
                await PauseAsync(TimeSpan.FromMilliseconds(50));
            }
        }
        if (!finished)
        {
            Fatal($"one({LabCommand.Show(command)}) failed to reach agreement in 10 s");
        }
        return -1;
    }

    /// <summary>The value a command decodes to (ints become long), for comparing with applied values.</summary>
    public static object Normalize(object command) => command is int i ? (long)i : command;

    /// <summary>
    /// wait(index, n, startTerm): polls nCommitted with 10 ms doubling backoff (30 polls); Moved when some live peer's
    /// term passed startTerm (if startTerm > -1); fatal if fewer than n applied index.
    /// </summary>
    public async Task<WaitOutcome> WaitAsync(long index, int n, long startTerm)
    {
        var to = TimeSpan.FromMilliseconds(10);
        for (var iters = 0; iters < 30; iters++)
        {
            var (nd, _) = NCommitted(index);
            if (nd >= n)
            {
                break;
            }
            await SleepAsync(to);
            if (to < TimeSpan.FromSeconds(1))
            {
                to *= 2;
            }
            if (startTerm > -1)
            {
                for (var i = 0; i < N; i++)
                {
                    if (IsAlive(i) && (await GetStateAsync(i)).Term > startTerm)
                    {
                        return new WaitOutcome(true, null);
                    }
                }
            }
        }
        var (count, command) = NCommitted(index);
        if (count < n)
        {
            Fatal($"only {count} decided for index {index}; wanted {n}");
        }
        return new WaitOutcome(false, command);
    }

    /// <summary>The end of a test (cfg.end / cleanup): no apply error, within the storage's time limit (120 s); writes the result line.</summary>
    public void End()
    {
        finished = true;
        ThrowIfApplyError();
        var took = Time.GetElapsedTime(startedAt);
        if (took > storage.TestTimeLimit)
        {
            Fatal($"test took longer than {storage.TestTimeLimit.TotalSeconds:0} seconds ({took.TotalSeconds:F1} s)");
        }
        passed = true;
        output.WriteLine(ResultLine("Passed"));
        if (Environment.GetEnvironmentVariable("RAFT_TEST_TRACE") == "1")
        {
            WriteTrace();
        }
    }

    /// <summary>Like the course's "  ... Passed --   3.0  3   54   12345    0", plus the test name and the seed.</summary>
    private string ResultLine(string verdict)
    {
        long commands;
        lock (mu)
        {
            commands = maxIndex - maxIndex0;
        }
        return string.Create(CultureInfo.InvariantCulture,
            $"{name}: {description} ... {verdict} -- {SinceBegin.TotalSeconds,5:F1} {N} {(cluster is null ? 0 : RpcTotal() - rpcs0),5} {(cluster is null ? 0 : BytesTotal() - bytes0),9} {commands,4} seed={Seed} storage={storage.Name} | {TestSideText()}");
    }

    /// <summary>
    /// Where the test's own time went: Start calls it awaited, and its sleeps as requested vs as taken (the
    /// difference is the machine's, e.g. a loaded CPU delaying timers).
    /// </summary>
    private string TestSideText()
    {
        lock (statsGate)
        {
            var mean = startCalls == 0 ? 0 : startTotal.TotalMilliseconds / startCalls;
            return string.Create(CultureInfo.InvariantCulture,
                $"Start x{startCalls} mean {mean:F2} ms max {startMax.TotalMilliseconds:F0} ms, slept {sleepTaken.TotalSeconds:F1} s for {sleepRequested.TotalSeconds:F1} s");
        }
    }

    /// <summary>
    /// Stops the cluster. An apply error found after <see cref="End"/> (an apply that came in while the test ended)
    /// fails the test here, once nothing applies any more.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        finished = true;
        stopping = true;
        if (!passed && cluster is not null)
        {
            try
            {
                output.WriteLine(ResultLine("FAILED"));
                if (applyError is { } error)
                {
                    output.WriteLine($"apply error: {error}");
                }
                await WriteDiagnosticsAsync();
            }
            catch (InvalidOperationException)
            {
                // The output helper is no longer usable.
            }
        }
        if (cluster is not null)
        {
            await cluster.DisposeAsync();
        }
        await storage.DisposeAsync();
        if (passed && ApplyError is { } late)
        {
            Fatal($"apply error after the test's end: {late}");
        }
    }

    private void WriteTrace()
    {
        output.WriteLine("last harness actions and peer log lines:");
        lock (trace)
        {
            foreach (var line in trace.Skip(Math.Max(0, trace.Count - 400)))
            {
                output.WriteLine("  " + line);
            }
        }
    }

    /// <summary>Feeds the peers' log lines into the harness trace.</summary>
    private sealed class TraceLoggerProvider(RaftTestHarness harness) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new TraceLogger(harness);

        public void Dispose()
        {
        }

        private sealed class TraceLogger(RaftTestHarness harness) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var text = formatter(state, exception);
                if (exception is not null)
                {
                    text += $" ({exception.GetType().Name}: {exception.Message})";
                }
                harness.Trace($"  [{logLevel}] {text}");
            }
        }
    }

    /// <summary>On failure: the last harness actions and every live peer's status, for whoever debugs the peer.</summary>
    private async Task WriteDiagnosticsAsync()
    {
        WriteTrace();
        output.WriteLine($"at {SinceBegin.TotalSeconds:F3}s:");
        for (var i = 0; i < N; i++)
        {
            string text;
            if (!IsAlive(i))
            {
                text = "crashed";
            }
            else
            {
                try
                {
                    var status = await GetStatusAsync(i).WaitAsync(TimeSpan.FromSeconds(2), Time);
                    text = status.ToString();
                }
                catch (Exception exception)
                {
                    text = $"GetStatus failed: {exception.GetType().Name}: {exception.Message}";
                }
            }
            long applied;
            lock (mu)
            {
                applied = current[i].Logs.Count == 0 ? 0 : current[i].Logs.Keys.Max();
            }
            output.WriteLine($"  peer {i} ({(IsConnected(i) ? "connected" : "disconnected")}, checker has applied through {applied}): {text}");
        }
    }

    // ---------------------------------------------------------------- the apply channel

    /// <summary>
    /// A restarted peer starts with an empty log map and lastApplied 0; the old incarnation retires, and what it applied
    /// is kept: every later apply is compared with it too (Go compares only with the current incarnations).
    /// </summary>
    private void NewIncarnation(int i)
    {
        lock (mu)
        {
            retired.Add(current[i]);
            current[i] = new Incarnation(i, current[i].Number + 1);
        }
    }

    /// <summary>start1's ingestSnap(persister.ReadSnapshot()) into the current (new) incarnation of peer i.</summary>
    private void IngestPersistedSnapshot(int i, byte[] data, long index)
    {
        Incarnation fresh;
        lock (mu)
        {
            fresh = current[i];
        }
        if (IngestSnapshot(fresh, data, index) is { } error)
        {
            SetApplyError($"persisted snapshot of server {i}: {error}");
        }
        lock (mu)
        {
            fresh.ExpectSnapshotFirst = true;
        }
    }

    internal void RestartIncarnationForTests(int i, byte[] persistedSnapshot, long index)
    {
        NewIncarnation(i);
        IngestPersistedSnapshot(i, persistedSnapshot, index);
    }

    /// <summary>A harness without a cluster, to test the checker itself.</summary>
    internal static RaftTestHarness ForCheckerTests(ITestOutputHelper output, int servers, bool snapshot, TestClock? clock = null) =>
        new(output, clock ?? TestClock.RealTime, "checker", "checker", servers, snapshot, seed: 1);

    internal IRaftStateMachine StateMachineFor(string peerId) => CreateStateMachine(peerId);

    internal void NewIncarnationForTests(int i) => NewIncarnation(i);

    internal string? ApplyError
    {
        get
        {
            lock (mu)
            {
                return applyError;
            }
        }
    }

    private void SetApplyError(string error)
    {
        lock (mu)
        {
            applyError ??= error;
        }
        applyFailed.TrySetResult();
    }

    /// <summary>
    /// checkLogs(i, m): the same value at the same index everywhere, in every incarnation that ever applied it (retired
    /// ones too: a restarted peer that re-applies a different value than its earlier life is caught); the previous
    /// index applied first.
    /// </summary>
    private string? CheckLogs(Incarnation me, ApplyMsg m)
    {
        object value;
        try
        {
            value = LabCommand.Decode(m.Command);
        }
        catch (FormatException exception)
        {
            return $"server {me.Peer} applied an undecodable command at index {m.CommandIndex}: {exception.Message}";
        }
        lock (mu)
        {
            string? error = null;
            foreach (var other in current.Concat(retired))
            {
                if (other.Logs.TryGetValue(m.CommandIndex, out var old) && !Equals(old, value))
                {
                    error = $"commit index={m.CommandIndex} server={me.Peer} {LabCommand.Show(value)} != server={other.Peer} {LabCommand.Show(old)}";
                }
            }
            var prevOk = me.Logs.ContainsKey(m.CommandIndex - 1);
            me.Logs[m.CommandIndex] = value;
            if (m.CommandIndex > maxIndex)
            {
                maxIndex = m.CommandIndex;
            }
            if (m.CommandIndex > 1 && !prevOk)
            {
                error = $"server {me.Peer} apply out of order {m.CommandIndex}";
            }
            return error;
        }
    }

    /// <summary>ingestSnap: decode; the index must match SnapshotIndex; replace the incarnation's log map and lastApplied.</summary>
    private string? IngestSnapshot(Incarnation me, byte[]? snapshot, long snapshotIndex)
    {
        if (snapshot is null)
        {
            return $"server {me.Peer}: nil snapshot";
        }
        long lastIncludedIndex;
        List<object?> values;
        try
        {
            (lastIncludedIndex, values) = LabCommand.DecodeSnapshot(snapshot);
        }
        catch (FormatException exception)
        {
            return $"server {me.Peer}: snapshot decode error: {exception.Message}";
        }
        if (lastIncludedIndex != snapshotIndex)
        {
            return $"server {me.Peer} snapshot doesn't match m.SnapshotIndex ({lastIncludedIndex} != {snapshotIndex})";
        }
        lock (mu)
        {
            me.Logs.Clear();
            for (var k = 0; k < values.Count; k++)
            {
                if (values[k] is { } value)
                {
                    me.Logs[k + 1] = value;
                }
            }
            me.LastApplied = lastIncludedIndex;
        }
        return null;
    }

    private bool IsCrashed(Incarnation me)
    {
        lock (mu)
        {
            return me.Crashed;
        }
    }

    private byte[] EncodeSnapshot(Incarnation me, long index)
    {
        var commands = new byte[]?[index];
        lock (mu)
        {
            for (var j = 1; j <= index; j++)
            {
                commands[j - 1] = me.Logs.TryGetValue(j, out var value) ? LabCommand.Encode(value) : null;
            }
        }
        return LabCommand.EncodeSnapshot(index, commands);
    }

    private IRaftStateMachine CreateStateMachine(string peerId)
    {
        var slash = peerId.LastIndexOf('/');
        var group = slash < 0 ? Group : peerId[..slash];
        if (group != Group
            || !int.TryParse(peerId.AsSpan(slash + 1), NumberStyles.Integer, CultureInfo.InvariantCulture, out var i)
            || i < 0 || i >= N)
        {
            throw new ArgumentException($"no test peer '{peerId}' (expected {Group}/0..{Group}/{N - 1})", nameof(peerId));
        }
        lock (mu)
        {
            return new CheckingStateMachine(this, current[i]);
        }
    }

    /// <summary>One life of a peer as the checker sees it: what it applied (index → value) and its lastApplied.</summary>
    private sealed class Incarnation(int peer, int number)
    {
        public int Peer { get; } = peer;

        public int Number { get; } = number;

        public Dictionary<long, object> Logs { get; } = new();

        public long LastApplied { get; set; }

        /// <summary>Crashed (and maybe replaced): a failing Snapshot call of a killed activation is no error.</summary>
        public bool Crashed { get; set; }

        /// <summary>
        /// Restarted with a persisted snapshot: the peer must deliver a snapshot before any command (IRaftStateMachine:
        /// the state machine is new with each activation, so it gets the snapshot first).
        /// </summary>
        public bool ExpectSnapshotFirst { get; set; }
    }

    /// <summary>The tester's applier (3A–3C) or applierSnap (3D) for one incarnation of one peer.</summary>
    private sealed class CheckingStateMachine(RaftTestHarness harness, Incarnation me) : IRaftStateMachine
    {
        public async Task ApplyAsync(ApplyMsg message, IRaftPeerControl peer)
        {
            string? error = null;
            if (!harness.SnapshotMode)
            {
                if (message.CommandValid)
                {
                    error = harness.CheckLogs(me, message);
                }
                // Other kinds of ApplyMsg are ignored, as by the Go applier.
            }
            else if (message.SnapshotValid)
            {
                lock (harness.mu)
                {
                    me.ExpectSnapshotFirst = false;
                }
                error = harness.IngestSnapshot(me, message.Snapshot, message.SnapshotIndex);
            }
            else if (message.CommandValid)
            {
                long expected;
                bool snapshotMissing;
                lock (harness.mu)
                {
                    expected = me.LastApplied + 1;
                    snapshotMissing = me.ExpectSnapshotFirst;
                    me.ExpectSnapshotFirst = false;
                }
                if (snapshotMissing)
                {
                    error = $"server {me.Peer} restarted with a persisted snapshot through {expected - 1} but delivered command {message.CommandIndex} first (the new state machine never got the snapshot)";
                }
                else if (message.CommandIndex != expected)
                {
                    error = $"server {me.Peer} apply out of order, expected index {expected}, got {message.CommandIndex}";
                }
                error ??= harness.CheckLogs(me, message);
                lock (harness.mu)
                {
                    me.LastApplied = message.CommandIndex;
                }
                if ((message.CommandIndex + 1) % SnapshotInterval == 0)
                {
                    // Synchronously from the apply loop, as the tester does: a peer that holds its turn while
                    // delivering deadlocks here.
                    try
                    {
                        await peer.SnapshotAsync(message.CommandIndex, harness.EncodeSnapshot(me, message.CommandIndex));
                    }
                    catch (Exception exception) when (!harness.IsCrashed(me) && !harness.stopping)
                    {
                        // (A peer that the end of the test deactivates may fail it: not the peer's error.)
                        // rf.Snapshot(index, ...) of an applied index cannot fail in 6.5840.
                        error ??= $"server {me.Peer}: Snapshot({message.CommandIndex}) failed: {exception.GetType().Name}: {exception.Message}";
                    }
                }
            }
            if (error is not null)
            {
                harness.SetApplyError(error);
            }
        }
    }

    private sealed class StateMachineFactory(RaftTestHarness harness) : IRaftStateMachineFactory
    {
        public IRaftStateMachine Create(string peerId) => harness.CreateStateMachine(peerId);
    }
}

/// <summary>What wait() saw: Moved when the term moved on (Go's -1), else the committed value.</summary>
public readonly record struct WaitOutcome(bool Moved, object? Value);
