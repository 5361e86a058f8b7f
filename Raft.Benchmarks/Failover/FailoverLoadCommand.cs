using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;

namespace Raft.Benchmarks.Failover;

/// <summary>
/// The client side of scripts/failover-bench.sh: --clients key-value clients append to their own keys through the
/// silos' gateways (or, with --etcd, through etcd's JSON gateway) while the script kills and restarts servers. Every 200 ms it writes the peers' status to
/// CONTROL/status.json (the script finds the leader and waits for catch-up there, without starting a client process
/// per query). When CONTROL/stop appears it stops the clients, joins CONTROL/kills.jsonl (one line per kill, written by
/// the script) with the acknowledgments and the silo logs, checks that every acknowledged append is readable, and
/// prints one JSON line per kill and a summary line.
/// </summary>
internal static class FailoverLoadCommand
{
    private static readonly TimeSpan StatusInterval = TimeSpan.FromMilliseconds(200);

    internal sealed record Settings(
        List<IPEndPoint> Gateways, List<string> Peers, string Group, int Clients, string ControlDirectory,
        Dictionary<string, string> Logs, string ClusterId, string ServiceId, int AppendsPerKey, TimeSpan MaxDuration, List<Uri> Etcd, TimeSpan? AttemptTimeout,
        TimeSpan? ProbeOthersAfter = null);

    public static Settings Parse(string[] args)
    {
        var s = new Settings([], ["0", "1", "2"], "kv", 64, "", [], "raft", "raft", 100, TimeSpan.FromHours(2), [], null);
        for (var i = 1; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--gateway": s.Gateways.Add(IPEndPoint.Parse(Next())); break;
                case "--etcd": s.Etcd.AddRange(Next().Split(',', StringSplitOptions.RemoveEmptyEntries).Select(u => new Uri(u.TrimEnd('/') + "/"))); break;
                case "--peers": s = s with { Peers = [.. Next().Split(',', StringSplitOptions.RemoveEmptyEntries)] }; break;
                case "--group": s = s with { Group = Next() }; break;
                case "--clients": s = s with { Clients = int.Parse(Next(), CultureInfo.InvariantCulture) }; break;
                case "--control": s = s with { ControlDirectory = Next() }; break;
                case "--log":
                    var (silo, path) = Next().Split('=', 2) is [var name, var file] ? (name, file) : throw new ArgumentException("--log is SILO=PATH");
                    s.Logs[silo] = path;
                    break;
                case "--cluster-id": s = s with { ClusterId = Next() }; break;
                case "--service-id": s = s with { ServiceId = Next() }; break;
                case "--appends-per-key": s = s with { AppendsPerKey = int.Parse(Next(), CultureInfo.InvariantCulture) }; break;
                case "--attempt-timeout": s = s with { AttemptTimeout = TimeSpan.FromMilliseconds(double.Parse(Next(), CultureInfo.InvariantCulture)) }; break;
                case "--probe-others-after":
                    var probe = Next();
                    s = s with { ProbeOthersAfter = probe == "never" ? Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(double.Parse(probe, CultureInfo.InvariantCulture)) };
                    break;
                case "--max-duration": s = s with { MaxDuration = TimeSpan.FromSeconds(double.Parse(Next(), CultureInfo.InvariantCulture)) }; break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }
        if ((s.Gateways.Count == 0) == (s.Etcd.Count == 0) || s.ControlDirectory == "" || s.Clients < 1 || s.AppendsPerKey < 1)
        {
            throw new ArgumentException("--gateway (at least one) or --etcd URL,URL,..., --control DIR, --clients >= 1 and --appends-per-key >= 1 are required");
        }
        return s;
    }

    public static async Task<int> RunAsync(Settings settings, TextWriter output, TextWriter log)
    {
        var clock = new MicrosecondClock();
        await using IFailoverTarget target = settings.Etcd.Count > 0
            ? new EtcdTarget(settings.Etcd, settings.AttemptTimeout ?? EtcdAppendSession.DefaultAttemptTimeout, clock)
            : await RaftTarget.ConnectAsync(settings, clock);
        var writers = Enumerable.Range(0, settings.Clients)
            .Select(i => new AppendWriter(i, () => target.NewSession(i), settings.AppendsPerKey)).ToList();

        using var stop = new CancellationTokenSource();
        var running = writers.Select(w => Task.Run(() => w.RunAsync(clock, stop.Token))).ToArray();
        var stopFile = Path.Combine(settings.ControlDirectory, "stop");
        log.WriteLine($"failover-load: {settings.Clients} clients appending; stop with {stopFile}");
        var until = DateTime.UtcNow + settings.MaxDuration;
        while (!File.Exists(stopFile) && DateTime.UtcNow < until)
        {
            await WriteStatusAsync(target, settings, clock, writers);
            if (running.FirstOrDefault(t => t.IsFaulted) is { } failed)
            {
                await failed; // a writer's unexpected exception ends the run with it
            }
            await Task.Delay(StatusInterval);
        }
        stop.Cancel();
        await Task.WhenAll(running);
        var endedAt = clock.NowMicros();

        var logs = settings.Logs.Select(l => SiloLog.Read(l.Key, l.Value)).ToList();
        var kills = ReadKills(Path.Combine(settings.ControlDirectory, "kills.jsonl"));
        var results = new List<JsonObject>();
        for (var k = 0; k < kills.Count; k++)
        {
            var windowEnd = k + 1 < kills.Count ? (long)kills[k + 1]["killedAtUs"]! : endedAt;
            var result = FailoverAnalysis.Analyze(kills[k], windowEnd, writers, logs, settings.Peers, target.Patterns);
            results.Add(result);
            output.WriteLine(result.ToJsonString());
        }

        log.WriteLine($"failover-load: verifying {writers.Sum(w => w.KeyCount)} keys");
        var verification = await AppendVerifier.VerifyAsync(writers, () => target.NewSession(0), 16, log);
        var summary = new JsonObject
        {
            ["type"] = "summary",
            ["system"] = kills.Count > 0 ? kills[0]["system"]?.DeepClone() : null,
            ["kills"] = results.Count,
            ["clients"] = settings.Clients,
            ["acknowledged"] = writers.Sum(w => w.Acknowledged),
            ["failedOperations"] = writers.Sum(w => w.FailedAtMicros.Count),
        };
        foreach (var field in SummarizedFields)
        {
            summary[field] = FailoverAnalysis.Summarize(results, field);
        }
        summary["verification"] = verification;
        output.WriteLine(summary.ToJsonString());
        return (bool)verification["ok"]! ? 0 : 1;
    }

    private static readonly string[] SummarizedFields =
    [
        "firstAckMs", "electedMs", "servingLeaderElectedMs", "electedToAckMs", "lastVictimAttemptEndedMs", "deadDeclaredMs", "allClientsAckedMs",
    ];

    private static List<JsonObject> ReadKills(string path) =>
        File.Exists(path)
            ? File.ReadLines(path).Where(l => l.Trim().Length > 0).Select(l => JsonNode.Parse(l)!.AsObject()).ToList()
            : [];

    /// <summary>CONTROL/status.json: every peer's role, term and indexes (or unreachable), replaced atomically.</summary>
    private static async Task WriteStatusAsync(IFailoverTarget target, Settings settings, MicrosecondClock clock, IReadOnlyList<AppendWriter> writers)
    {
        var status = new JsonObject
        {
            ["atUs"] = clock.NowMicros(),
            ["acknowledged"] = writers.Sum(w => w.Acknowledged),
            ["peers"] = new JsonArray(await target.StatusAsync()),
        };
        var path = Path.Combine(settings.ControlDirectory, "status.json");
        await File.WriteAllTextAsync(path + ".tmp", status.ToJsonString());
        File.Move(path + ".tmp", path, overwrite: true);
    }
}
