using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Raft.Client;
using Raft.Grains.Interfaces;

namespace Raft.Benchmarks.Failover;

/// <summary>RaftOrleans through an Orleans client on the silos' gateways, with KeyValueClient's default retries and timeouts.</summary>
internal sealed class RaftTarget : IFailoverTarget
{
    private static readonly TimeSpan StatusTimeout = TimeSpan.FromSeconds(1);
    private readonly IHost _host;
    private readonly IClusterClient _grains;
    private readonly FailoverLoadCommand.Settings _settings;
    private readonly KeyValueClientOptions _options;
    private readonly MicrosecondClock _clock;

    private RaftTarget(IHost host, FailoverLoadCommand.Settings settings, MicrosecondClock clock)
    {
        _host = host;
        _grains = host.Services.GetRequiredService<IClusterClient>();
        _settings = settings;
        _clock = clock;
        // The library's defaults (10 s per operation, 3 s per attempt, 50 ms between rounds): what is measured is what an
        // application using KeyValueClient as shipped sees. --attempt-timeout and --probe-others-after try other values
        // ("never": one peer at a time, the client before ProbeOthersAfter).
        _options = new KeyValueClientOptions { Group = settings.Group, Peers = settings.Peers };
        if (settings.AttemptTimeout is { } attemptTimeout)
        {
            _options.AttemptTimeout = attemptTimeout;
        }
        if (settings.ProbeOthersAfter is { } probeOthersAfter)
        {
            _options.ProbeOthersAfter = probeOthersAfter;
        }
    }

    public LogPatterns Patterns { get; } = new(
        "heard no leader in term", "won the election for term", "deactivated in term",
        silo => [$"Cluster member {silo} S", " is Dead "]);

    public static async Task<RaftTarget> ConnectAsync(FailoverLoadCommand.Settings settings, MicrosecondClock clock)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        // Orleans' client logs every refused reconnect to a killed gateway; the results are what this command reports.
        builder.Logging.ClearProviders();
        builder.UseOrleansClient(client =>
        {
            client.UseStaticClustering([.. settings.Gateways]);
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = settings.ClusterId;
                o.ServiceId = settings.ServiceId;
            });
        });
        var host = builder.Build();
        await host.StartAsync();
        return new RaftTarget(host, settings, clock);
    }

    public IAppendSession NewSession(int writer) => new RaftAppendSession(_grains, _options, _clock);

    public Task<JsonNode[]> StatusAsync() => Task.WhenAll(_settings.Peers.Select(async peer =>
    {
        try
        {
            var s = await _grains.GetGrain<IRaftPeerGrain>($"{_settings.Group}/{peer}").GetStatus().WaitAsync(StatusTimeout);
            return (JsonNode)new JsonObject
            {
                ["peer"] = peer, ["reachable"] = true, ["role"] = s.Role, ["term"] = s.Term, ["leaderId"] = s.LeaderId,
                ["commitIndex"] = s.CommitIndex, ["lastApplied"] = s.LastApplied,
            };
        }
        catch (Exception exception)
        {
            // Best effort: a peer on a killed silo fails in whatever way Orleans reports it; the row says so.
            return new JsonObject { ["peer"] = peer, ["reachable"] = false, ["error"] = exception.GetType().Name };
        }
    }));

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
