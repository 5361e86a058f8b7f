using System.Text.Json.Nodes;

namespace Raft.Benchmarks.Failover;

/// <summary>
/// Per kill, from the script's kill record, the clients' acknowledgments and the survivors' logs: how long after the
/// kill -9 the victim was declared dead, a survivor stood for election, one won, and the first write was acknowledged
/// (by a peer other than the victim), and when every client had had one. All times in ms after the kill.
/// </summary>
internal static class FailoverAnalysis
{
    private const long RateWindowMicros = 2_000_000;

    public static JsonObject Analyze(JsonObject kill, long windowEndMicros, IReadOnlyList<AppendWriter> writers, IReadOnlyList<SiloLog> logs, IReadOnlyList<string> peers, LogPatterns patterns)
    {
        var killedAt = (long)kill["killedAtUs"]!;
        var victimPeer = (string)kill["victimPeer"]!;
        var victimSilo = (string)kill["victimSilo"]!;
        var victimIndex = peers.ToList().IndexOf(victimPeer);
        var survivors = logs.Where(l => l.Silo != victimSilo).ToList();

        long? firstAck = null;
        long? lastFirstAck = 0;
        var ackedBefore = 0;
        var failedAfter = 0;
        foreach (var writer in writers)
        {
            var first = FirstAckAfter(writer, killedAt, windowEndMicros, victimIndex);
            if (first is { } at)
            {
                firstAck = firstAck is null ? at : Math.Min(firstAck.Value, at);
            }
            // A writer that acknowledged nothing between this kill and the next never recovered in this window.
            lastFirstAck = lastFirstAck is null || first is null ? null : Math.Max(lastFirstAck.Value, first.Value);
            ackedBefore += CountIn(writer.AckedAtMicros, killedAt - RateWindowMicros, killedAt);
            failedAfter += CountIn(writer.FailedAtMicros, killedAt, windowEndMicros);
        }

        var dead = patterns.Dead is { } deadLine ? SiloLog.FirstAfter(survivors, killedAt, deadLine(victimSilo)) : null;
        var campaign = SiloLog.FirstAfter(survivors, killedAt, patterns.Campaign);
        var elected = SiloLog.FirstAfter(survivors, killedAt, patterns.Elected);
        // The leader that served the first ack may not be the first one elected: a survivor's peer can be deactivated
        // (and elect again) when the dead silo owned its grain directory entry.
        var until = firstAck ?? windowEndMicros;
        var servingElected = survivors.Select(l => l.Between(killedAt, until, patterns.Elected).Last).Max();
        int? deactivations = patterns.Deactivated is { } deactivated ? survivors.Sum(l => l.Between(killedAt, until, deactivated).Count) : null;
        var result = (JsonObject)kill.DeepClone();
        result["firstAckMs"] = Ms(firstAck, killedAt);
        result["campaignMs"] = Ms(campaign, killedAt);
        result["electedMs"] = Ms(elected, killedAt);
        result["servingLeaderElectedMs"] = Ms(servingElected, killedAt);
        result["electedToAckMs"] = firstAck is { } a && servingElected is { } e ? Round((a - e) / 1000.0) : null;
        result["survivorDeactivationsBeforeAck"] = deactivations;
        AddAttempts(result, writers, killedAt, until, victimIndex);
        result["deadDeclaredMs"] = Ms(dead, killedAt);
        result["allClientsAckedMs"] = Ms(lastFirstAck, killedAt);
        result["writesPerSecondBefore"] = Round(ackedBefore / (RateWindowMicros / 1e6));
        result["failedOperationsAfter"] = failedAfter;
        return result;
    }

    /// <summary>
    /// What the clients did between the kill and the first ack: the attempts on the victim's peer that were in flight at
    /// the kill or started after it (how they ended, and when the last ended), and when the attempt that produced the
    /// first ack started (so firstAck - that is how long the new leader took to commit).
    /// </summary>
    private static void AddAttempts(JsonObject result, IReadOnlyList<AppendWriter> writers, long killedAt, long until, int victimIndex)
    {
        var attempts = writers.SelectMany(w => w.Attempts).Where(a => a.EndMicros > killedAt && a.StartMicros < until).ToList();
        var onVictim = attempts.Where(a => a.Peer == victimIndex).ToList();
        result["victimAttempts"] = onVictim.Count;
        result["victimAttemptOutcomes"] = new JsonObject(onVictim.GroupBy(a => a.Outcome).OrderBy(g => g.Key)
            .Select(g => KeyValuePair.Create(g.Key, (JsonNode?)g.Count())));
        result["lastVictimAttemptEndedMs"] = onVictim.Count > 0 ? Round((onVictim.Max(a => a.EndMicros) - killedAt) / 1000.0) : null;
        var firstOk = attempts.Where(a => a.Peer != victimIndex && a.Outcome == "Ok").OrderBy(a => a.EndMicros).FirstOrDefault();
        result["firstAckAttemptStartedMs"] = firstOk.EndMicros > 0 ? Round((firstOk.StartMicros - killedAt) / 1000.0) : null;
        result["otherAttemptOutcomes"] = new JsonObject(attempts.Where(a => a.Peer != victimIndex).GroupBy(a => a.Outcome).OrderBy(g => g.Key)
            .Select(g => KeyValuePair.Create(g.Key, (JsonNode?)g.Count())));
    }

    private static long? FirstAckAfter(AppendWriter writer, long after, long before, int victimIndex)
    {
        var times = writer.AckedAtMicros;
        var i = LowerBound(times, after + 1);
        for (; i < times.Count && times[i] < before; i++)
        {
            // A reply of the victim still in flight at the kill is not a write committed after it.
            if (writer.AckedBy[i] != victimIndex)
            {
                return times[i];
            }
        }
        return null;
    }

    private static int CountIn(IReadOnlyList<long> sorted, long fromExclusive, long toExclusive) =>
        Math.Max(0, LowerBound(sorted, toExclusive) - LowerBound(sorted, fromExclusive + 1));

    private static int LowerBound(IReadOnlyList<long> sorted, long value)
    {
        int low = 0, high = sorted.Count;
        while (low < high)
        {
            var mid = (low + high) / 2;
            if (sorted[mid] < value)
            {
                low = mid + 1;
            }
            else
            {
                high = mid;
            }
        }
        return low;
    }

    private static JsonNode? Ms(long? at, long from) => at is { } t ? Round((t - from) / 1000.0) : null;

    private static double Round(double value) => Math.Round(value, 1);

    /// <summary>Median, p90 and max (linear interpolation between ranks, as numpy's default) of a field over the kills.</summary>
    public static JsonObject Summarize(IReadOnlyList<JsonObject> kills, string field)
    {
        var values = kills.Select(k => k[field]?.GetValue<double>()).Where(v => v is not null).Select(v => v!.Value).Order().ToList();
        return new JsonObject
        {
            ["n"] = values.Count,
            ["median"] = Percentile(values, 50),
            ["p90"] = Percentile(values, 90),
            ["max"] = values.Count > 0 ? values[^1] : null,
        };
    }

    private static JsonNode? Percentile(List<double> sorted, double p)
    {
        if (sorted.Count == 0)
        {
            return null;
        }
        var rank = p / 100 * (sorted.Count - 1);
        var low = (int)Math.Floor(rank);
        var high = Math.Min(low + 1, sorted.Count - 1);
        return Round(sorted[low] + (sorted[high] - sorted[low]) * (rank - low));
    }
}
