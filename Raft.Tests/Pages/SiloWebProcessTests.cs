using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Raft.Tests.EndToEnd;
using Raft.TestingHost;
using Xunit;

namespace Raft.Tests.Pages;

/// <summary>The web side of the Raft.Silo executable, run as the README runs it: the pages it serves and how it fails.</summary>
public sealed class SiloWebProcessTests
{
    [Fact]
    public async Task TheReadmeSiloServesTheRaftPageItsJsonAndTheDashboard()
    {
        await using var cluster = await ClusterProcesses.StartSingleAsync();
        var web = cluster.Silos[0].Arguments.Single(a => a.StartsWith("--Web:Port=", StringComparison.Ordinal))["--Web:Port=".Length..];
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{web}/"), Timeout = TimeSpan.FromSeconds(10) };

        string? leader = null;
        await Conditions.WaitUntilAsync(async () =>
        {
            using var response = await http.GetAsync("raft/status.json");
            if (!response.IsSuccessStatusCode)
            {
                return false;
            }
            using var report = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            leader = report.RootElement.GetProperty("groups")[0].GetProperty("leader").GetString();
            return leader is not null;
        }, TimeSpan.FromSeconds(30), "a leader on /raft/status.json");

        using var page = await http.GetAsync("raft");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        using var dashboard = await http.GetAsync("dashboard/");
        Assert.Equal(HttpStatusCode.OK, dashboard.StatusCode);
        Assert.Contains("<html", await dashboard.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task AWebPortInUseStopsTheSiloWithExitCode1NamingThePort()
    {
        var ports = LoopbackPorts.Free(3);
        using var taken = new TcpListener(IPAddress.Loopback, ports[2]);
        taken.Start();
        await using var silo = new SiloProcess("silo0",
            [$"--Silo:SiloPort={ports[0]}", $"--Silo:GatewayPort={ports[1]}", $"--Web:Port={ports[2]}", "--Storage:Provider=Memory"]);

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => silo.StartAsync(TimeSpan.FromSeconds(60)));

        Assert.Contains("exited with 1", failure.Message);
        Assert.Contains($"raft-silo: failed to start:", failure.Message);
        Assert.Contains($"127.0.0.1:{ports[2]}", failure.Message);
    }

    [Theory]
    [InlineData("--Web:Host=not-an-address")]
    [InlineData("--Web:Port=70000")]
    [InlineData("--Web:Port=eighty")]
    [InlineData("--Telemetry:Otlp:Enabled=true", "--Telemetry:Otlp:Endpoint=not a uri")]
    [InlineData("--Web:Enabled=false", "--Telemetry:Prometheus:Enabled=true")]
    public async Task ABadWebOrTelemetrySettingStopsTheSiloWithExitCode2(params string[] settings)
    {
        Assert.Equal(2, await Raft.Silo.Program.Main(["--Logging:LogLevel:Default=None", .. settings]));
    }
}
