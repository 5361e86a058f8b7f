using System.Text;

namespace Raft.Simulation.Explorer;

/// <summary>What one seed's run found: the violations (empty when it passed), the replay fingerprint and a readable trace.</summary>
public sealed record ExplorationResult(
    FaultSchedule Schedule,
    IReadOnlyList<string> Violations,
    IReadOnlyList<string> Notes,
    ExplorationStatistics Statistics,
    ulong TraceHash,
    long EventCount,
    IReadOnlyList<string> Trace,
    TimeSpan Wall,
    TimeSpan Virtual)
{
    /// <summary>The report lists this many violations: the first ones tell what broke, the rest mostly follow from them.</summary>
    private const int ReportedViolations = 20;

    public int Seed => Schedule.Seed;

    public bool Passed => Violations.Count == 0;

    /// <summary>
    /// Search steps the linearizability check of the history took (out of
    /// <see cref="Linearizability.LinearizabilityChecker.DefaultMaxSteps"/>; a check that used them all is a violation).
    /// </summary>
    public long CheckSteps { get; init; }

    /// <summary>The seed, the schedule, what broke, the last events of the simulation, and how to replay it.</summary>
    public string Report()
    {
        var text = new StringBuilder();
        text.AppendLine($"Fault explorer seed {Seed}: {(Passed ? "passed" : $"{Violations.Count} violation(s)")}; " +
            $"linearizability check {CheckSteps} steps, trace hash {TraceHash:x16}, {EventCount} events, virtual {Virtual.TotalSeconds:0.000} s, wall {Wall.TotalMilliseconds:0} ms");
        foreach (var violation in Violations.Take(ReportedViolations))
        {
            text.AppendLine("VIOLATION " + violation);
        }
        if (Violations.Count > ReportedViolations)
        {
            text.AppendLine($"… and {Violations.Count - ReportedViolations} more violations");
        }
        text.AppendLine(Statistics.ToString());
        foreach (var note in Notes)
        {
            text.AppendLine("note: " + note);
        }
        text.AppendLine("Fault schedule:");
        text.Append(Schedule);
        text.AppendLine($"Last {Trace.Count} events of the simulation (fault lines are the schedule's steps as they ran):");
        foreach (var line in Trace)
        {
            text.AppendLine("  " + line);
        }
        text.AppendLine($"Replay: FaultExplorer.Run({Seed}) gives trace hash {TraceHash:x16} and {EventCount} events again " +
            $"(RAFT_EXPLORER_FIRST_SEED={Seed} RAFT_EXPLORER_SEEDS=1 dotnet test Raft.Tests -c Release --filter FullyQualifiedName~EverySeedOfTheCiRange, " +
            $"or Raft.Benchmarks explore --first {Seed} --seeds 1).");
        return text.ToString();
    }
}
