using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Raft.Client;
using Raft.Grains;
using Raft.TestingHost;
using Xunit;

namespace Raft.Tests.Telemetry;

/// <summary>
/// The meter "RaftOrleans" and the client's ActivitySource, read through OpenTelemetry's in-memory exporters on a real
/// Orleans cluster. The group has a name of its own, so measurements of other clusters in this process do not count.
/// </summary>
public sealed class RaftMetricsTests
{
    private const string Group = "metered";

    [Fact]
    public async Task ACommittedWriteMovesTheCommitCounterAndTracesTheClientOperation()
    {
        var metrics = new List<MetricSnapshot>();
        var activities = new List<Activity>();
        using var meterProvider = Sdk.CreateMeterProviderBuilder().AddMeter(RaftMetrics.MeterName).AddInMemoryExporter(metrics).Build();
        using var tracerProvider = Sdk.CreateTracerProviderBuilder().AddSource(KeyValueClientTracing.SourceName).AddInMemoryExporter(activities).Build();
        await using var cluster = await LabTestCluster.DeployAsync(new LabTestClusterOptions
        {
            ConfigureSilo = silo => silo.Configure<RaftOptions>(o => o.Groups = new() { [Group] = ["0", "1", "2"] }),
        });
        var client = new KeyValueClient(cluster.GrainFactory, new KeyValueClientOptions { Group = Group, Peers = ["0", "1", "2"] });
        await client.PutAsync("warm", "up"); // an elected leader, and its first entries committed
        var before = Sum(meterProvider, metrics, "raft.commits");

        var version = await client.PutAsync("greeting", "hello");

        // The put returned once applied on the leader, which counts a commit before it applies it.
        var after = Sum(meterProvider, metrics, "raft.commits");
        Assert.True(after > before, $"raft.commits went from {before} to {after} across a committed write (version {version})");
        Assert.True(Sum(meterProvider, metrics, "raft.proposals") >= 2);
        Assert.True(Sum(meterProvider, metrics, "raft.elections") >= 1);
        tracerProvider.ForceFlush();
        var put = activities.Where(a => a.DisplayName == "kv KvPut" && (string?)a.GetTagItem("raft.group") == Group).ToList();
        Assert.Equal(2, put.Count);
        Assert.All(put, a => Assert.Equal(ActivityKind.Client, a.Kind));
    }

    /// <summary>The total of a counter over the test's group, all peers, as exported now (cumulative).</summary>
    private static long Sum(MeterProvider provider, List<MetricSnapshot> exported, string name)
    {
        exported.Clear();
        provider.ForceFlush();
        long sum = 0;
        foreach (var metric in exported.Where(m => m.Name == name))
        {
            foreach (var point in metric.MetricPoints)
            {
                foreach (var tag in point.Tags)
                {
                    if (tag is { Key: "raft.group", Value: Group })
                    {
                        sum += point.GetSumLong();
                    }
                }
            }
        }
        return sum;
    }
}
