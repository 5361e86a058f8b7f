using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Raft.Client.Cli;
using Raft.Grains;
using Raft.Runtime.Hosting;
using Raft.Tests.Runtime;
using Xunit;

namespace Raft.Tests.ClientCli;

/// <summary>One silo hosting the three-peer "kv" group, with its gateway on a free loopback port.</summary>
public sealed class KeyValueSiloFixture : IAsyncLifetime
{
    private IHost? host;

    public string Gateway { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var ports = Raft.TestingHost.LoopbackPorts.Free(2);
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddLogging(l => l.SetMinimumLevel(LogLevel.Warning));
        builder.UseSilo(silo => silo
            .AddRaftKeyValueService()
            .AddMemoryGrainStorage()
            .Configure<RaftOptions>(o => o.Groups["kv"] = ["0", "1", "2"])
            .Configure<KeyValueOptions>(o => o.MaxValueBytes = 1000)
            .Configure<SiloOptions>(o =>
            {
                o.SiloName = "silo0";
                o.SiloPort = ports[0];
                o.GatewayPort = ports[1];
            }));
        host = builder.Build();
        await host.StartAsync();
        Gateway = $"127.0.0.1:{ports[1]}";
    }

    public async Task DisposeAsync()
    {
        if (host is not null)
        {
            await host.StopAsync();
            host.Dispose();
        }
    }
}

/// <summary>raft-client against an in-process silo over TCP: the key-value commands, status and bench.</summary>
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

        var json = await Run("status", "--json");
        AssertOk(json);
        using (var document = JsonDocument.Parse(json.Out))
        {
            var peers = document.RootElement.EnumerateArray().ToList();
            Assert.Equal(["0", "1", "2"], peers.Select(p => p.GetProperty("peer").GetString()));
            Assert.All(peers, p => Assert.True(p.GetProperty("reachable").GetBoolean()));
            Assert.Contains(peers, p => p.GetProperty("role").GetString() == "Leader");
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
        // Cancelled once two refreshes are out, however long the first status query took (it once took most of a
        // fixed 2 s window early in a CI run); the 30 s bound only ends a watch that never prints.
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var result = await CliRunner.RunUntilAsync(["watch", "--interval", "300ms", "--json", "--gateway", silo.Gateway],
            output => output.Count(c => c == '\n') >= 2, cancel);
        AssertOk(result);
        var lines = result.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length >= 2, result.ToString());
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
