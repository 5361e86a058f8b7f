using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Tracing;
using System.Globalization;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Storage;
using Raft.Client;
using Raft.Grains;
using Raft.Grains.Interfaces;
using Raft.Persistence.Sqlite;
using Raft.TestingHost;

namespace Raft.Benchmarks;

/// <summary>
/// The key-value service in one process, for profiling the commit path: a Raft group of --peers peers on one Orleans
/// silo or one silo per peer (separate silo hosts in the process, loopback TCP between them), SQLite (one file per silo, fsync on every commit) or memory storage,
/// driven by --clients KeyValueClients doing puts (through a gateway like raft-client bench, or straight from the
/// leader's silo). After a warm-up it measures one window and reports, per committed log entry: bytes allocated
/// (whole process, clients included), CPU time, thread-pool work items, storage writes, lock contentions; plus
/// thread-pool queue length and timer counts sampled during the window, and the allocating types (sampled by the
/// runtime's AllocationTick events, one per ~100 KB). Unlike the version on the home-made grain runtime, it does not
/// sample the leader activation's turn queue (that was a reflection probe into that runtime's scheduler).
/// </summary>
internal static class KvBenchmark
{
    internal sealed record Settings(
        int Peers, int Clients, int Silos, string Storage, int ValueSize, string Via, TimeSpan Duration, TimeSpan Warmup, bool Detail, int TopTypes,
        TimeSpan? ProbeOthersAfter = null);

    public static Settings Parse(string[] args)
    {
        var s = new Settings(3, 256, 3, "sqlite", 100, "gateway", TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(3), false, 15);
        for (var i = 1; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            s = args[i] switch
            {
                "--peers" => s with { Peers = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--clients" => s with { Clients = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--silos" => s with { Silos = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--storage" => s with { Storage = Next() },
                "--value-size" => s with { ValueSize = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--via" => s with { Via = Next() },
                "--seconds" => s with { Duration = TimeSpan.FromSeconds(double.Parse(Next(), CultureInfo.InvariantCulture)) },
                "--warmup" => s with { Warmup = TimeSpan.FromSeconds(double.Parse(Next(), CultureInfo.InvariantCulture)) },
                "--detail" => s with { Detail = true },
                "--probe-others-after" => s with { ProbeOthersAfter = Next() is var probe && probe == "never" ? Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(double.Parse(probe, CultureInfo.InvariantCulture)) },
                "--top" => s with { TopTypes = int.Parse(Next(), CultureInfo.InvariantCulture) },
                var other => throw new ArgumentException($"unknown option {other}"),
            };
        }
        if (s.Silos != 1 && s.Silos != s.Peers)
        {
            throw new ArgumentException("--silos is 1 (every peer in one silo) or equal to --peers (one silo per peer)");
        }
        if (s.Storage is not ("sqlite" or "memory") || s.Via is not ("gateway" or "silo"))
        {
            throw new ArgumentException("--storage sqlite|memory, --via gateway|silo");
        }
        return s;
    }

    private static KeyValueClientOptions ClientOptions(Settings settings, List<string> peerIds)
    {
        var options = new KeyValueClientOptions { Peers = peerIds };
        if (settings.ProbeOthersAfter is { } probeOthersAfter)
        {
            options.ProbeOthersAfter = probeOthersAfter;
        }
        return options;
    }

    public static async Task RunAsync(Settings settings, TextWriter output)
    {
        var directory = Directory.CreateTempSubdirectory("raft-kvbench-");
        var calls = new CallCounter();
        var silos = new List<IHost>();
        IHost? clientHost = null;
        try
        {
            var peerIds = Enumerable.Range(0, settings.Peers).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToList();
            var ports = LoopbackPorts.Free(2 * settings.Silos);
            var groups = new Dictionary<string, List<string>> { ["kv"] = peerIds };
            var peerSilos = settings.Silos > 1 ? peerIds.ToDictionary(id => $"kv/{id}", id => $"s{id}") : new Dictionary<string, string>();
            var clusterId = "kvbench-" + Guid.NewGuid().ToString("N")[..8];
            // Development clustering: the membership table lives on silo 0, which starts first; the others join through it.
            for (var i = 0; i < settings.Silos; i++)
            {
                var host = BuildSilo(settings, i, ports, clusterId, directory.FullName, groups, peerSilos, calls);
                await host.StartAsync();
                silos.Add(host);
            }
            var storages = silos.Select(h => (CountingStorage)h.Services.GetRequiredKeyedService<IGrainStorage>(StorageName)).ToList();
            var siloFactories = silos.Select(h => h.Services.GetRequiredService<IGrainFactory>()).ToList();

            if (settings.Via == "gateway")
            {
                var client = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
                ConfigureLogging(client.Logging);
                client.UseOrleansClient(c => c.UseLocalhostClustering(
                    Enumerable.Range(0, settings.Silos).Select(i => ports[2 * i + 1]).ToArray(), ServiceId, clusterId));
                clientHost = client.Build();
                await clientHost.StartAsync();
            }
            // The leader's silo, for --via silo and for reading the commit index.
            var (leader, leaderFactory) = await FindLeaderAsync(peerIds, siloFactories);
            logThreshold = LogLevel.Warning;
            var clientFactory = clientHost?.Services.GetRequiredService<IClusterClient>() ?? leaderFactory;

            var keys = Enumerable.Range(0, 1000).Select(i => "b" + i.ToString("D15", CultureInfo.InvariantCulture)).ToArray();
            var workers = Enumerable.Range(0, settings.Clients)
                .Select(i => new Worker(new KeyValueClient(clientFactory, ClientOptions(settings, peerIds)), i, new string((char)('a' + i % 26), settings.ValueSize)))
                .ToArray();
            await Task.WhenAll(workers.Select(w => w.Client.GetAsync(keys[0])));

            using var stop = new CancellationTokenSource();
            var running = workers.Select(w => Task.Run(() => w.RunAsync(keys, stop.Token))).ToArray();
            await Task.Delay(settings.Warmup);

            using var allocations = new AllocationListener();
            var sampler = new Sampler();
            var samplerTask = sampler.RunAsync(stop.Token);
            var before = Snapshot.Take(storages, calls, await CommitIndexAsync(leaderFactory, leader));
            foreach (var worker in workers)
            {
                worker.Measuring = true;
            }
            var clock = Stopwatch.StartNew();
            await Task.Delay(settings.Duration);
            foreach (var worker in workers)
            {
                worker.Measuring = false;
            }
            var after = Snapshot.Take(storages, calls, await CommitIndexAsync(leaderFactory, leader));
            var elapsed = clock.Elapsed;
            logThreshold = LogLevel.Critical;
            allocations.Stop();
            await stop.CancelAsync();
            await Task.WhenAll(running);
            await samplerTask;

            Report(settings, output, workers, before, after, elapsed, sampler, allocations);
        }
        finally
        {
            if (clientHost is not null)
            {
                await StopAsync(clientHost);
            }
            // The secondaries first: silo 0 holds the membership table they leave through.
            await Task.WhenAll(silos.Skip(1).Select(StopAsync));
            if (silos.Count > 0)
            {
                await StopAsync(silos[0]);
            }
            try
            {
                directory.Delete(recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private const string StorageName = "Default";

    /// <summary>
    /// Silo and client logs go to the console from Warning up while the load runs. While the silos start one after another
    /// (the peers of the first silos call peers whose silo has not joined yet: placement retries, failed addressing) and
    /// while they stop, only Critical: those warnings are expected there and would bury the report. A cluster that never
    /// elects a leader still fails the run ("No leader within 30 s").
    /// </summary>
    private static volatile LogLevel logThreshold = LogLevel.Critical;

    private static void ConfigureLogging(ILoggingBuilder logging) =>
        logging.SetMinimumLevel(LogLevel.Warning).AddFilter((_, _, level) => level >= logThreshold).AddSimpleConsole();
    private const string ServiceId = "raft-kvbench";

    /// <summary>
    /// Silo i of the benchmark: a real Orleans silo (loopback TCP between silos and to the gateway client, development
    /// clustering through silo 0), named s{i} so that RaftOptions.PeerSilos pins peer kv/i to it, hosting the key-value
    /// service on the grain storage "Default": a <see cref="CountingStorage"/> around this silo's own SQLite file (one
    /// file per silo, fsync on every commit) or its own in-process memory store (completes synchronously, like a
    /// provider with no I/O; not Orleans' memory storage, whose records are grain calls to storage grains spread over
    /// the silos).
    /// </summary>
    private static IHost BuildSilo(
        Settings settings, int index, int[] ports, string clusterId, string directory,
        Dictionary<string, List<string>> groups, Dictionary<string, string> peerSilos, CallCounter calls)
    {
        var name = $"s{index}";
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        ConfigureLogging(builder.Logging);
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(ports[2 * index], ports[2 * index + 1],
                index == 0 ? null : new IPEndPoint(IPAddress.Loopback, ports[0]), ServiceId, clusterId);
            silo.Configure<SiloOptions>(o => o.SiloName = name);
            silo.AddRaftKeyValueService();
            silo.Configure<RaftOptions>(o =>
            {
                o.Groups = groups;
                o.PeerSilos = peerSilos;
                o.StorageName = StorageName;
            });
            if (settings.Storage == "sqlite")
            {
                const string sqlite = "sqlite";
                silo.AddSqliteGrainStorage(sqlite, o => o.Path = Path.Combine(directory, $"{name}.db"));
                silo.Services.AddKeyedSingleton<IGrainStorage>(StorageName, (services, _) =>
                    new CountingStorage(services.GetRequiredKeyedService<IGrainStorage>(sqlite)));
            }
            else
            {
                silo.Services.AddKeyedSingleton<IGrainStorage>(StorageName, (_, _) =>
                    new CountingStorage(new SharedMemoryGrainStorage(RaftStorageSerializer.Create())));
            }
            silo.AddRaftStorageTraits(StorageName, PeerStorageTraits.InProcessOrdered);
            if (settings.Detail)
            {
                silo.AddIncomingGrainCallFilter(calls);
            }
        });
        return builder.Build();
    }

    private static async Task StopAsync(IHost host)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await host.StopAsync(timeout.Token);
        }
        finally
        {
            host.Dispose();
        }
    }

    private static void Report(Settings settings, TextWriter o, Worker[] workers, Snapshot before, Snapshot after, TimeSpan elapsed, Sampler sampler, AllocationListener allocations)
    {
        var ops = workers.Sum(w => w.MeasuredOps);
        var errors = workers.Sum(w => w.MeasuredErrors);
        var entries = Math.Max(1, after.CommitIndex - before.CommitIndex);
        var latencies = workers.SelectMany(w => w.Latencies).ToArray();
        Array.Sort(latencies);
        double Pct(double p) => latencies.Length == 0 ? 0 : latencies[Math.Min(latencies.Length - 1, (int)(latencies.Length * p))] * 1000.0 / Stopwatch.Frequency;
        double Per(double value) => value / entries;
        var inv = CultureInfo.InvariantCulture;
        var load = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";

        o.WriteLine(string.Create(inv, $"kv: {settings.Peers} peers, {settings.Silos} silo(s), {settings.Storage}, {settings.Clients} clients via {settings.Via}, {settings.ValueSize} B values, {elapsed.TotalSeconds:0.0} s, load {load}, {Environment.ProcessorCount} cores"));
        o.WriteLine("| metric | value |");
        o.WriteLine("|---|---|");
        void Row(string name, string value) => o.WriteLine($"| {name} | {value} |");
        Row("acknowledged puts/s", string.Create(inv, $"{ops / elapsed.TotalSeconds:N0} ({errors} errors)"));
        Row("committed entries/s (leader commit index)", string.Create(inv, $"{entries / elapsed.TotalSeconds:N0}"));
        Row("leader term changes during the window", string.Create(inv, $"{after.Term - before.Term}"));
        Row("latency p50 / p99 / max (ms)", string.Create(inv, $"{Pct(0.50):0.00} / {Pct(0.99):0.00} / {Pct(1.0):0.00}"));
        Row("allocated per committed entry", string.Create(inv, $"{Per(after.Allocated - before.Allocated) / 1024:N1} KiB"));
        Row("CPU per committed entry (all threads)", string.Create(inv, $"{Per((after.Cpu - before.Cpu).TotalMicroseconds):N0} µs (process used {(after.Cpu - before.Cpu) / elapsed:0.00} cores)"));
        Row("GC: gen0 / gen1 / gen2 collections, pause", string.Create(inv, $"{after.Gen0 - before.Gen0} / {after.Gen1 - before.Gen1} / {after.Gen2 - before.Gen2}, {(after.GcPause - before.GcPause).TotalMilliseconds:N0} ms ({(after.GcPause - before.GcPause) / elapsed:P1} of the time)"));
        Row("thread-pool work items per committed entry", string.Create(inv, $"{Per(after.WorkItems - before.WorkItems):N1}"));
        Row("thread-pool queue length (mean / max sampled)", string.Create(inv, $"{sampler.MeanQueue:N0} / {sampler.MaxQueue:N0}"));
        Row("thread-pool threads (max sampled)", string.Create(inv, $"{sampler.MaxThreads}"));
        Row("active timers (mean / max sampled)", string.Create(inv, $"{sampler.MeanTimers:N0} / {sampler.MaxTimers:N0}"));
        Row("lock contentions per committed entry", string.Create(inv, $"{Per(after.LockContentions - before.LockContentions):N2} ({(after.LockContentions - before.LockContentions) / elapsed.TotalSeconds:N0}/s)"));
        var writes = after.Storage.Writes - before.Storage.Writes;
        Row("storage writes+clears per committed entry", string.Create(inv, $"{Per(writes + after.Storage.Clears - before.Storage.Clears):N3} ({writes / elapsed.TotalSeconds:N0} writes/s; log segments {after.Storage.SegmentWrites - before.Storage.SegmentWrites}, hard state {after.Storage.HardStateWrites - before.Storage.HardStateWrites}, manifest {after.Storage.ManifestWrites - before.Storage.ManifestWrites}, snapshot {after.Storage.SnapshotWrites - before.Storage.SnapshotWrites})"));
        var transactions = after.Storage.Transactions - before.Storage.Transactions;
        if (transactions > 0)
        {
            // Every peer writes every entry: entries per fsync of one peer's log.
            Row("SQLite transactions (= fsyncs): log entries per fsync per peer", string.Create(inv, $"{(double)entries * settings.Peers / transactions:N1} ({transactions / elapsed.TotalSeconds:N0} transactions/s over {after.Storage.Providers} files)"));
        }
        Row("storage write time (mean per write, incl. waiting for the connection)", string.Create(inv, $"{(writes == 0 ? 0 : (after.Storage.WriteTicks - before.Storage.WriteTicks) * 1e6 / Stopwatch.Frequency / writes):N0} µs; storage busy {(after.Storage.WriteTicks - before.Storage.WriteTicks) * 1.0 / Stopwatch.Frequency / elapsed.TotalSeconds / Math.Max(1, after.Storage.Providers):P0} of the time per provider; max {after.Storage.MaxInFlight} writes waiting on one provider"));
        if (settings.Detail)
        {
            foreach (var (method, count) in after.Calls.OrderByDescending(c => c.Value))
            {
                var delta = count - before.Calls.GetValueOrDefault(method);
                Row($"calls {method} per committed entry", string.Create(inv, $"{Per(delta):N3}"));
            }
            var appends = after.Calls.GetValueOrDefault("AppendEntries") - before.Calls.GetValueOrDefault("AppendEntries");
            var carried = after.AppendedEntries - before.AppendedEntries;
            Row("entries per AppendEntries (mean)", string.Create(inv, $"{(appends == 0 ? 0 : (double)carried / appends):N1}"));
        }
        o.WriteLine();
        o.WriteLine(string.Create(inv, $"Allocating types (AllocationTick samples, ~100 KB each; {allocations.TotalSampled / 1024 / 1024:N0} MB sampled):"));
        o.WriteLine("| type | share | per committed entry |");
        o.WriteLine("|---|---|---|");
        foreach (var (type, bytes) in allocations.Top(settings.TopTypes))
        {
            o.WriteLine(string.Create(inv, $"| {type} | {bytes * 1.0 / Math.Max(1, allocations.TotalSampled):P1} | {(double)bytes / entries:N0} B |"));
        }
    }

    private static async Task<(string Leader, IGrainFactory Factory)> FindLeaderAsync(List<string> peerIds, List<IGrainFactory> factories)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            foreach (var id in peerIds)
            {
                var factory = factories.Count == 1 ? factories[0] : factories[peerIds.IndexOf(id)];
                try
                {
                    var status = await factory.GetGrain<IRaftPeerGrain>($"kv/{id}").GetStatus();
                    if (status.IsLeader)
                    {
                        return (id, factory);
                    }
                }
                catch (Exception exception) when (exception is TimeoutException or OrleansException)
                {
                }
            }
            await Task.Delay(100);
        }
        throw new TimeoutException("No leader within 30 s.");
    }

    private static async Task<(long CommitIndex, long Term)> CommitIndexAsync(IGrainFactory factory, string leader)
    {
        var status = await factory.GetGrain<IRaftPeerGrain>($"kv/{leader}").GetStatus();
        return (status.CommitIndex, status.Term);
    }

    private sealed class Worker(KeyValueClient client, int index, string value)
    {
        private readonly Random random = new(7919 * (index + 1));

        public KeyValueClient Client { get; private set; } = client;

        public volatile bool Measuring;

        public long MeasuredOps;

        public long MeasuredErrors;

        public List<long> Latencies { get; } = new();

        public async Task RunAsync(string[] keys, CancellationToken stop)
        {
            while (!stop.IsCancellationRequested)
            {
                var key = keys[random.Next(keys.Length)];
                var begin = Stopwatch.GetTimestamp();
                try
                {
                    await Client.PutAsync(key, value);
                    if (Measuring)
                    {
                        MeasuredOps++;
                        Latencies.Add(Stopwatch.GetTimestamp() - begin);
                    }
                }
                catch (Exception)
                {
                    if (Measuring)
                    {
                        MeasuredErrors++;
                    }
                }
            }
        }
    }

    private sealed record Snapshot(
        long Allocated, TimeSpan Cpu, int Gen0, int Gen1, int Gen2, TimeSpan GcPause, long WorkItems, long LockContentions,
        long CommitIndex, long Term, StorageCounts Storage, Dictionary<string, long> Calls, long AppendedEntries)
    {
        public static Snapshot Take(List<CountingStorage> storages, CallCounter calls, (long CommitIndex, long Term) leader)
        {
            using var process = Process.GetCurrentProcess();
            return new Snapshot(
                GC.GetTotalAllocatedBytes(precise: true), process.TotalProcessorTime, GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2),
                GC.GetTotalPauseDuration(), ThreadPool.CompletedWorkItemCount, Monitor.LockContentionCount, leader.CommitIndex, leader.Term,
                StorageCounts.Sum(storages), calls.Counts(), Interlocked.Read(ref calls.AppendedEntries));
        }
    }

    internal sealed record StorageCounts(long Writes, long Clears, long WriteTicks, long SegmentWrites, long HardStateWrites, long ManifestWrites, long SnapshotWrites, int MaxInFlight, int Providers, long Transactions)
    {
        public static StorageCounts Sum(List<CountingStorage> storages) => new(
            storages.Sum(s => Interlocked.Read(ref s.Writes)), storages.Sum(s => Interlocked.Read(ref s.Clears)), storages.Sum(s => Interlocked.Read(ref s.WriteTicks)),
            storages.Sum(s => Interlocked.Read(ref s.SegmentWrites)), storages.Sum(s => Interlocked.Read(ref s.HardStateWrites)),
            storages.Sum(s => Interlocked.Read(ref s.ManifestWrites)), storages.Sum(s => Interlocked.Read(ref s.SnapshotWrites)),
            storages.Max(s => s.MaxInFlight), storages.Count, storages.Sum(s => (s.Inner as SqliteGrainStorage)?.Transactions ?? 0));
    }

    /// <summary>Counts the writes a provider receives and the time they take (waiting for the provider included).</summary>
    internal sealed class CountingStorage(IGrainStorage inner) : IGrainStorage
    {
        public IGrainStorage Inner { get; } = inner;

        public long Writes;
        public long Clears;
        public long WriteTicks;
        public long SegmentWrites;
        public long HardStateWrites;
        public long ManifestWrites;
        public long SnapshotWrites;
        public int MaxInFlight;
        private int inFlight;

        public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => Inner.ReadStateAsync(stateName, grainId, grainState);

        public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            var now = Interlocked.Increment(ref inFlight);
            int max;
            while (now > (max = Volatile.Read(ref MaxInFlight)) && Interlocked.CompareExchange(ref MaxInFlight, now, max) != max)
            {
            }
            var begin = Stopwatch.GetTimestamp();
            try
            {
                await Inner.WriteStateAsync(stateName, grainId, grainState);
            }
            finally
            {
                Interlocked.Add(ref WriteTicks, Stopwatch.GetTimestamp() - begin);
                Interlocked.Decrement(ref inFlight);
                Interlocked.Increment(ref Writes);
                if (stateName.StartsWith("raft-log-", StringComparison.Ordinal))
                {
                    Interlocked.Increment(ref SegmentWrites);
                }
                else if (stateName == "raft-hardstate")
                {
                    Interlocked.Increment(ref HardStateWrites);
                }
                else if (stateName == "raft-manifest")
                {
                    Interlocked.Increment(ref ManifestWrites);
                }
                else if (stateName == "raft-snapshot")
                {
                    Interlocked.Increment(ref SnapshotWrites);
                }
            }
        }

        public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            await Inner.ClearStateAsync(stateName, grainId, grainState);
            Interlocked.Increment(ref Clears);
        }
    }

    /// <summary>
    /// Counts incoming calls to the Raft and key-value grain interfaces per method (--detail), and the entries
    /// AppendEntries carries. Orleans' own traffic (membership, directory, timer ticks) passes the filter uncounted.
    /// </summary>
    internal sealed class CallCounter : IIncomingGrainCallFilter
    {
        private readonly ConcurrentDictionary<string, long> counts = new();
        public long AppendedEntries;

        public Task Invoke(IIncomingGrainCallContext context)
        {
            if (context.InterfaceMethod?.DeclaringType?.Assembly == typeof(IRaftPeerGrain).Assembly)
            {
                counts.AddOrUpdate(context.MethodName, 1, (_, n) => n + 1);
                if (context.Request.GetArgumentCount() > 0 && context.Request.GetArgument(0) is AppendEntriesRequest request)
                {
                    Interlocked.Add(ref AppendedEntries, request.Entries.Length);
                }
            }
            return context.Invoke();
        }

        public Dictionary<string, long> Counts() => new(counts);
    }

    /// <summary>
    /// Samples the thread-pool queue, its threads and the active timers every 20 ms. (The home-made runtime's benchmark
    /// also sampled the leader activation's turn queue by reflection into the runtime; Orleans' activation internals are
    /// not probed.)
    /// </summary>
    private sealed class Sampler
    {
        private long samples;
        private long queueSum;
        private long timerSum;

        public long MaxQueue { get; private set; }

        public long MaxTimers { get; private set; }

        public int MaxThreads { get; private set; }

        public double MeanQueue => samples == 0 ? 0 : (double)queueSum / samples;

        public double MeanTimers => samples == 0 ? 0 : (double)timerSum / samples;

        public async Task RunAsync(CancellationToken stop)
        {
            while (!stop.IsCancellationRequested)
            {
                var queue = ThreadPool.PendingWorkItemCount;
                var timers = Timer.ActiveCount;
                samples++;
                queueSum += queue;
                timerSum += timers;
                MaxQueue = Math.Max(MaxQueue, queue);
                MaxTimers = Math.Max(MaxTimers, timers);
                MaxThreads = Math.Max(MaxThreads, ThreadPool.ThreadCount);
                try
                {
                    await Task.Delay(20, stop);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>GC AllocationTick events (one per ~100 KB allocated), by type.</summary>
    private sealed class AllocationListener : EventListener
    {
        private readonly ConcurrentDictionary<string, long> byType = new();
        private volatile bool stopped;

        public long TotalSampled => byType.Values.Sum();

        public void Stop() => stopped = true;

        public IEnumerable<(string Type, long Bytes)> Top(int count) =>
            byType.OrderByDescending(p => p.Value).Take(count).Select(p => (p.Key, p.Value));

        protected override void OnEventSourceCreated(EventSource source)
        {
            if (source.Name == "Microsoft-Windows-DotNETRuntime")
            {
                EnableEvents(source, EventLevel.Verbose, (EventKeywords)0x1); // GC keyword
            }
        }

        protected override void OnEventWritten(EventWrittenEventArgs e)
        {
            if (stopped || e.EventName is not { } name || !name.StartsWith("GCAllocationTick", StringComparison.Ordinal) || e.PayloadNames is null)
            {
                return;
            }
            var typeIndex = e.PayloadNames.IndexOf("TypeName");
            var amountIndex = e.PayloadNames.IndexOf("AllocationAmount64");
            if (typeIndex < 0 || amountIndex < 0)
            {
                return;
            }
            var type = e.Payload![typeIndex] as string ?? "?";
            var amount = Convert.ToInt64(e.Payload[amountIndex], CultureInfo.InvariantCulture);
            byType.AddOrUpdate(type, amount, (_, n) => n + amount);
        }
    }
}
