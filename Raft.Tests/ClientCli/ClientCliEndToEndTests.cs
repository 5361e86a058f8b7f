using System.Diagnostics;
using System.Text.Json;
using Raft.Client.Cli;
using Raft.Tests.EndToEnd;
using Xunit;

namespace Raft.Tests.ClientCli;

/// <summary>
/// One Raft.Silo process hosting the three-peer "kv" group on Orleans' memory storage, with its gateway on a free
/// loopback port and values limited to 1000 bytes (KeyValue:MaxValueBytes).
/// </summary>
public sealed class KeyValueSiloFixture : IAsyncLifetime
{
    private ClusterProcesses? cluster;

    public string Gateway { get; private set; } = "";

    public async Task InitializeAsync()
    {
        cluster = await ClusterProcesses.StartSingleAsync("--Storage:Provider=Memory", "--KeyValue:MaxValueBytes=1000");
        Gateway = cluster.Gateways.Single();
    }

    public async Task DisposeAsync()
    {
        if (cluster is not null)
        {
            await cluster.DisposeAsync();
        }
    }
}

/// <summary>raft-client against a silo process over TCP: the key-value commands, status and bench.</summary>
public sealed class ClientCliEndToEndTests(KeyValueSiloFixture silo) : IClassFixture<KeyValueSiloFixture>
{
    private Task<CliRunner.Result> Run(params string[] args) => CliRunner.RunAsync([.. args, "--gateway", silo.Gateway, "--timeout", "15s"]);

    private static void AssertOk(CliRunner.Result result)
    {
        Assert.True(result.Code == ExitCodes.Success, result.ToString());
        Assert.Equal("", result.Err);
    }

    [Fact]
    public async Task PutGetAppendDelete()
    {
        var put = await Run("put", "e2e/a", "hello");
        AssertOk(put);
        Assert.Equal("version 1", put.Out.Trim());

        var get = await Run("get", "e2e/a");
        AssertOk(get);
        Assert.Equal("hello", get.Out.TrimEnd('\r', '\n'));

        var append = await Run("append", "e2e/a", " world");
        AssertOk(append);
        Assert.Equal("version 2", append.Out.Trim());

        var json = await Run("get", "e2e/a", "--json");
        AssertOk(json);
        using (var document = JsonDocument.Parse(json.Out))
        {
            Assert.True(document.RootElement.GetProperty("found").GetBoolean());
            Assert.Equal("hello world", document.RootElement.GetProperty("value").GetString());
            Assert.Equal(2, document.RootElement.GetProperty("version").GetInt64());
        }

        var delete = await Run("delete", "e2e/a");
        AssertOk(delete);
        Assert.Equal("deleted", delete.Out.Trim());

        var missing = await Run("get", "e2e/a");
        Assert.Equal(ExitCodes.Success, missing.Code);
        Assert.Equal("", missing.Out);
        Assert.Equal("(not found)", missing.Err.Trim());

        var missingJson = await Run("get", "e2e/a", "--json");
        AssertOk(missingJson);
        using (var document = JsonDocument.Parse(missingJson.Out))
        {
            Assert.False(document.RootElement.GetProperty("found").GetBoolean());
        }
    }

    [Fact]
    public async Task CasSetsOnTheExpectedVersionAndOtherwiseExitsSix()
    {
        var create = await Run("cas", "e2e/cas", "one", "--expected-version", "0");
        AssertOk(create);
        Assert.Equal("version 1", create.Out.Trim());

        var next = await Run("cas", "e2e/cas", "two", "--expected-version", "1");
        AssertOk(next);
        Assert.Equal("version 2", next.Out.Trim());

        var stale = await Run("cas", "e2e/cas", "three", "--expected-version", "1");
        Assert.True(stale.Code == ExitCodes.VersionMismatch, stale.ToString());
        var line = Assert.Single(stale.ErrLines);
        Assert.StartsWith("raft-client: version mismatch", line);
        Assert.Contains("version 2", line);

        var staleJson = await Run("cas", "e2e/cas", "three", "-e", "5", "--json");
        Assert.Equal(ExitCodes.VersionMismatch, staleJson.Code);
        using (var document = JsonDocument.Parse(staleJson.Out))
        {
            Assert.False(document.RootElement.GetProperty("ok").GetBoolean());
            Assert.Equal(2, document.RootElement.GetProperty("currentVersion").GetInt64());
        }

        var absent = await Run("cas", "e2e/cas-absent", "x", "--expected-version", "3");
        Assert.Equal(ExitCodes.VersionMismatch, absent.Code);
        Assert.Contains("does not exist", absent.Err);

        var get = await Run("get", "e2e/cas");
        Assert.Equal("two", get.Out.TrimEnd('\r', '\n'));
    }

    [Fact]
    public async Task StatusShowsEveryPeerAndOneLeader()
    {
        await Run("put", "e2e/status", "x"); // a leader exists and has committed something

        using (var document = await SettledStatusAsync())
        {
            var peers = document.RootElement.EnumerateArray().ToList();
            Assert.Equal(["0", "1", "2"], peers.Select(p => p.GetProperty("peer").GetString()));
            Assert.All(peers, p => Assert.True(p.GetProperty("reachable").GetBoolean()));
            // Exactly one leader, and it is the peer every peer names as leader.
            var leader = Assert.Single(peers, p => p.GetProperty("role").GetString() == "Leader");
            Assert.Equal(peers[0].GetProperty("leaderId").GetString()!.Split('/')[^1], leader.GetProperty("peer").GetString());
            Assert.All(peers, p => Assert.True(p.GetProperty("term").GetInt64() >= 1));
            Assert.Contains(peers, p => p.GetProperty("commitIndex").GetInt64() >= 1);
        }

        var table = await Run("status");
        AssertOk(table);
        var lines = table.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length);
        Assert.StartsWith("peer", lines[0]);
        Assert.Contains("log length", lines[0]);
        Assert.Contains(lines, l => l.Contains("Leader", StringComparison.Ordinal));
    }

    /// <summary>
    /// `status --json` once every peer answered with the same term and the same leader. A status is read peer by peer,
    /// so one taken during an election (after a stall on a loaded machine) can show an old and a new leader, or none;
    /// waiting for the peers to agree is waiting for the election to end, and says nothing about the role column, which
    /// the caller then checks.
    /// </summary>
    private async Task<JsonDocument> SettledStatusAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (true)
        {
            var json = await Run("status", "--json");
            AssertOk(json);
            var document = JsonDocument.Parse(json.Out);
            var peers = document.RootElement.EnumerateArray().ToList();
            var settled = peers.All(p => p.GetProperty("reachable").GetBoolean()) &&
                peers.Select(p => (p.GetProperty("term").GetInt64(), p.GetProperty("leaderId").GetString())).Distinct().Count() == 1 &&
                peers[0].GetProperty("leaderId").GetString() is { Length: > 0 };
            if (settled || DateTime.UtcNow > deadline)
            {
                return document; // unsettled after 15 s: the caller's assertions say what is wrong
            }
            document.Dispose();
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task StatusOfAnUnknownPeerSaysUnreachable()
    {
        var result = await Run("status", "--peers", "0,9", "--json");
        Assert.True(result.Code == ExitCodes.Success, result.ToString());
        using var document = JsonDocument.Parse(result.Out);
        var peers = document.RootElement.EnumerateArray().ToList();
        Assert.True(peers[0].GetProperty("reachable").GetBoolean());
        Assert.False(peers[1].GetProperty("reachable").GetBoolean());
    }

    [Fact]
    public async Task BenchReportsThroughputAndLatencyAsJson()
    {
        var result = await Run("bench", "--clients", "3", "--duration", "2s", "--keys", "20", "--key-size", "8", "--value-size", "32", "--read-ratio", "0.25", "--json");
        AssertOk(result);
        using var document = JsonDocument.Parse(result.Out);
        var root = document.RootElement;
        Assert.Equal(3, root.GetProperty("clients").GetInt32());
        var operations = root.GetProperty("operations").GetInt64();
        Assert.True(operations > 0);
        Assert.Equal(operations, root.GetProperty("puts").GetInt64() + root.GetProperty("gets").GetInt64());
        Assert.True(root.GetProperty("gets").GetInt64() > 0);
        Assert.Equal(0, root.GetProperty("errors").GetInt64());
        Assert.True(root.GetProperty("opsPerSecond").GetDouble() > 0);
        var latency = root.GetProperty("latencyMicros");
        var p50 = latency.GetProperty("p50").GetInt64();
        var p99 = latency.GetProperty("p99").GetInt64();
        Assert.True(p50 > 0 && p50 <= p99 && p99 <= latency.GetProperty("max").GetInt64());

        var plain = await Run("bench", "--clients", "1", "--duration", "500ms");
        AssertOk(plain);
        Assert.Contains("ops/s", plain.Out);
        Assert.Contains("p99", plain.Out);
    }

    [Fact]
    public async Task AValueOverTheLimitIsRejectedWithExitSeven()
    {
        var result = await Run("put", "e2e/big", new string('x', 1001));
        Assert.True(result.Code == ExitCodes.Rejected, result.ToString());
        Assert.StartsWith("raft-client: ", Assert.Single(result.ErrLines));
        Assert.Equal("", result.Out);
    }

    [Fact]
    public async Task WatchPrintsAStatusPerIntervalUntilCancelled()
    {
        // Cancelled once four refreshes are out, however long the first status query took (it once took most of a
        // fixed 2 s window early in a CI run); the 30 s bound only ends a watch that never prints.
        var interval = TimeSpan.FromMilliseconds(500);
        const int Refreshes = 4;
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var clock = Stopwatch.StartNew();
        (int Lines, TimeSpan At)? first = null, last = null;
        var result = await CliRunner.RunUntilAsync(["watch", "--interval", "500ms", "--json", "--gateway", silo.Gateway], output =>
        {
            var lines = output.Count(c => c == '\n');
            first ??= lines >= 1 ? (lines, clock.Elapsed) : null;
            last = lines >= Refreshes ? (lines, clock.Elapsed) : null;
            return last is not null;
        }, cancel);
        AssertOk(result);
        var lines = result.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length >= Refreshes && first is not null && last is not null, result.ToString());

        // Per interval, not faster: watch waits a whole interval (Task.Delay) after each refresh, and the clock started
        // before the watch did and was read after the last refresh counted was out, so load cannot break this lower
        // bound. The 15 ms per gap is for timers, which count whole milliseconds of a coarser clock than Stopwatch's.
        Assert.True(last!.Value.At >= (last.Value.Lines - 1) * (interval - TimeSpan.FromMilliseconds(15)),
            $"{last.Value.Lines} refreshes within {last.Value.At.TotalMilliseconds:0} ms, less than an interval ({interval.TotalMilliseconds} ms) apart");
        // Nor much slower: between two refreshes there is one interval and one status query, which gives up on a peer
        // after StatusCommands.PeerTimeout (+250 ms); the 5 s on top are for a stalled process. A loose bound, on
        // purpose (a watch at twice its interval would pass it), that still fails a watch on another schedule: at ten
        // times its interval, three refreshes take 15 s where the bound is 10.25 s.
        var gaps = last.Value.Lines - first!.Value.Lines;
        var slowest = gaps * (interval + StatusCommands.PeerTimeout + TimeSpan.FromMilliseconds(250)) + TimeSpan.FromSeconds(5);
        Assert.True(last.Value.At - first.Value.At <= slowest,
            $"{gaps} refreshes after the first took {(last.Value.At - first.Value.At).TotalMilliseconds:0} ms, more than {slowest.TotalMilliseconds:0} ms");
        foreach (var line in lines)
        {
            using var document = JsonDocument.Parse(line);
            Assert.Equal(3, document.RootElement.GetArrayLength());
        }
    }

    [Fact]
    public async Task AWrongGroupHasNoLeader()
    {
        var result = await CliRunner.RunAsync("get", "k", "--gateway", silo.Gateway, "--group", "nogroup", "--timeout", "2s");
        Assert.True(result.Code == ExitCodes.NoLeader, result.ToString());
        var line = Assert.Single(result.ErrLines);
        Assert.StartsWith("raft-client: No leader of group 'nogroup'", line);
    }
}
