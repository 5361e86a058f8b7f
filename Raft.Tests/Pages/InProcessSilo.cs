using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Raft.Silo;
using Raft.Simulation;
using Raft.TestingHost;

namespace Raft.Tests.Pages;

/// <summary>
/// The Raft.Silo application (the same <see cref="SiloApplication.Build"/> as Program: Orleans, the three-peer group
/// "kv", the dashboard and the /raft page) started in this process on free ports with memory storage, plus the lab
/// network's call filters so a test can crash a peer: a crashed peer runs no timer tick and answers no call, so its
/// status query fails at once, as a peer on a dead silo's would after its timeout.
/// </summary>
internal sealed class InProcessSilo : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly LabNetworkFilter _network;

    private InProcessSilo(WebApplication app, LabNetworkFilter network, Uri baseAddress)
    {
        _app = app;
        _network = network;
        BaseAddress = baseAddress;
        Http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(10) };
    }

    public Uri BaseAddress { get; }

    public HttpClient Http { get; }

    public IGrainFactory Grains => _app.Services.GetRequiredService<IGrainFactory>();

    public static async Task<InProcessSilo> StartAsync()
    {
        var ports = LoopbackPorts.Free(3);
        var network = new LabNetworkFilter(new LabNetwork(), new GrainCrashes());
        var (app, _) = SiloApplication.Build(
        [
            "--Logging:LogLevel:Default=Warning",
            // A crashed peer's refused timer ticks are logged by Orleans as warnings: expected here.
            "--Logging:LogLevel:Orleans=Error",
            $"--Silo:SiloPort={ports[0]}",
            $"--Silo:GatewayPort={ports[1]}",
            $"--Web:Port={ports[2]}",
            "--Storage:Provider=Memory",
        ], builder => builder.UseOrleans(silo => silo.AddIncomingGrainCallFilter(network).AddOutgoingGrainCallFilter(network)));
        await app.StartAsync();
        return new InProcessSilo(app, network, new Uri($"http://127.0.0.1:{ports[2]}/"));
    }

    /// <summary>Crashes peer <paramref name="peerId"/> ("kv/0"): it stays down until <see cref="Revive"/>.</summary>
    public void Crash(string peerId)
    {
        var grain = GrainId.Create("raftpeer", peerId);
        _network.Crashes.MarkDown(grain);
        _network.NewIncarnation(grain);
    }

    /// <summary>Lets a crashed peer's activation run again: it rejoins with the state it had.</summary>
    public void Revive(string peerId) => _network.Crashes.MarkUp(GrainId.Create("raftpeer", peerId));

    /// <summary>GET /raft/status.json, parsed.</summary>
    public async Task<JsonElement> StatusAsync(string query = "")
    {
        using var response = await Http.GetAsync($"raft/status.json{query}");
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>Waits until the report shows a leader of group kv that satisfies <paramref name="accept"/>, and returns it.</summary>
    public async Task<string> WaitForLeaderAsync(Func<string, bool> accept, TimeSpan timeout)
    {
        string? leader = null;
        await Conditions.WaitUntilAsync(async () =>
        {
            using var response = await Http.GetAsync("raft/status.json");
            if (!response.IsSuccessStatusCode)
            {
                return false; // 503 until the first poll finished
            }
            var report = await response.Content.ReadFromJsonAsync<JsonElement>();
            leader = report.GetProperty("groups")[0].GetProperty("leader").GetString();
            return leader is not null && accept(leader);
        }, timeout, "a leader on /raft/status.json");
        return leader!;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
