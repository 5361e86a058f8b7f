using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Raft.Grains;
using Raft.Grains.Interfaces;

namespace Raft.Silo;

/// <summary>
/// Asks every peer of every configured group for its status once per interval, keeps the latest report for the /raft
/// page and feeds the leader timeline. Polling continuously, not per page request, is what lets the timeline show
/// leader changes that happened while nobody watched; it costs one GetStatus per peer per interval. A peer that does not
/// answer within the interval is reported unreachable, with the reason.
/// </summary>
public sealed class RaftStatusMonitor(
    IGrainFactory grains,
    IOptions<RaftOptions> raft,
    LeaderTimeline timeline,
    RaftStatusMonitorOptions options,
    TimeProvider time,
    ILogger<RaftStatusMonitor> logger) : BackgroundService
{
    private volatile RaftStatusReport? _latest;

    /// <summary>The latest report; null until the first poll finished.</summary>
    public RaftStatusReport? Latest => _latest;

    /// <summary>The groups the report covers, in configuration order.</summary>
    public IEnumerable<string> Groups => raft.Value.EffectiveGroups.Keys;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var ticks = new PeriodicTimer(options.Interval, time);
        do
        {
            try
            {
                _latest = await PollAsync(stoppingToken);
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                // PeerStatusReader turns each peer's failure into a reading, so this is a bug: log it and poll again.
                logger.LogError(exception, "Raft status poll failed");
            }
        }
        while (await WaitAsync(ticks, stoppingToken));
    }

    private async Task<RaftStatusReport> PollAsync(CancellationToken cancellationToken)
    {
        var groups = await Task.WhenAll(raft.Value.EffectiveGroups.Select(async group =>
        {
            var readings = await PeerStatusReader.ReadAsync(grains, group.Key, group.Value, options.Interval, cancellationToken);
            // The leader of the highest term that any reachable peer knows of: a deposed leader that has not yet heard
            // of the new term still says Leader, in an older term.
            var leader = readings.Where(r => r.Status is { IsLeader: true }).MaxBy(r => r.Status!.Term)?.Status;
            var term = readings.Max(r => r.Status?.Term ?? 0);
            var current = leader is not null && leader.Term == term ? leader.Id : null;
            var now = time.GetUtcNow();
            timeline.Observe(group.Key, term, current, now);
            return new GroupReport(group.Key, current, term, readings, timeline.Since(group.Key, now - LeaderTimeline.Retention));
        }));
        return new RaftStatusReport(time.GetUtcNow(), groups);
    }

    private static async Task<bool> WaitAsync(PeriodicTimer ticks, CancellationToken stoppingToken)
    {
        try
        {
            return await ticks.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}

/// <summary>The monitor's poll interval (Web:StatusInterval).</summary>
public sealed record RaftStatusMonitorOptions(TimeSpan Interval);
