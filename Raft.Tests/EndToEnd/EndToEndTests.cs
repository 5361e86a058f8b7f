using System.Collections.Concurrent;
using System.Diagnostics;
using Raft.Client;
using Raft.Client.Cli;
using Raft.Grains.Interfaces;
using Xunit;

namespace Raft.Tests.EndToEnd;

/// <summary>A real silo process, real client calls over TCP: an Orleans client in the test, and raft-client processes.</summary>
[Collection("EndToEnd")]
public sealed class EndToEndTests
{
    [Fact]
    public async Task AClientInAnotherProcessCallsGrainsOnTheSiloOverTcp()
    {
        await using var cluster = await ClusterProcesses.StartSingleAsync();
        await using var connection = await ConnectAsync(cluster);
        var client = connection.Grains;
        var statuses = await WaitForLeaderAsync(client, ["kv/0", "kv/1", "kv/2"]);
        Assert.Single(statuses, s => s.IsLeader);

        var kv = new KeyValueClient(client);
        await kv.PutAsync("greeting", "hello");
        Assert.Equal("hello", (await kv.GetAsync("greeting")).Value);
    }

    [Fact]
    public async Task TheCommandLineClientTalksToARealSilo()
    {
        await using var cluster = await ClusterProcesses.StartSingleAsync();
        var gateway = cluster.Gateways.First();
        var (code, stdout, stderr) = await RunClientAsync("put", "color", "blue", "--gateway", gateway);
        Assert.True(code == 0, stderr);
        (code, stdout, stderr) = await RunClientAsync("get", "color", "--gateway", gateway);
        Assert.True(code == 0, stderr);
        Assert.Equal("blue", stdout.Trim());
        (code, stdout, stderr) = await RunClientAsync("status", "--gateway", gateway);
        Assert.True(code == 0, stderr);
        Assert.Single(stdout.Split('\n'), line => line.Contains("Leader", StringComparison.Ordinal));
        (code, _, stderr) = await RunClientAsync("frobnicate", "--gateway", gateway);
        Assert.Equal(2, code);
        (code, _, stderr) = await RunClientAsync("get", "x", "--gateway", "127.0.0.1:1", "--timeout", "2s");
        Assert.Equal(3, code);
        Assert.Single(stderr.Trim().Split('\n'));
    }

    /// <summary>An Orleans client (raft-client's connection) to every gateway of <paramref name="cluster"/>.</summary>
    internal static Task<ClusterConnection> ConnectAsync(ClusterProcesses cluster) =>
        ClusterConnection.ConnectAsync([.. cluster.Gateways], cluster.ClusterId, "raft", TimeSpan.FromSeconds(30), CancellationToken.None);

    internal static async Task<RaftStatus[]> WaitForLeaderAsync(IClusterClient client, string[] peers)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            try
            {
                var statuses = await Task.WhenAll(peers.Select(p => client.GetGrain<IRaftPeerGrain>(p).GetStatus()));
                if (statuses.Count(s => s.IsLeader) == 1)
                {
                    return statuses;
                }
            }
            catch (Exception exception) when (exception is OrleansException or TimeoutException && DateTime.UtcNow < deadline)
            {
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("no single leader within 30 s");
            }
            await Task.Delay(100);
        }
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunClientAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "raft-client.dll"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return (process.ExitCode, await stdout, await stderr);
    }
}
