using System.Diagnostics;
using Raft.Simulation.Linearizability;
using Raft.Simulation;

namespace Raft.Simulation.Explorer;

/// <summary>
/// A randomized fault explorer in the spirit of FoundationDB's simulation and TigerBeetle's VOPR: each seed draws a
/// <see cref="FaultSchedule"/> (3 to 7 peers, concurrent key-value clients, partitions, crashes, restarts, drops,
/// delays, reordering), runs it deterministically on a <see cref="SimulationLoop"/> and checks safety (one leader per
/// term, log matching, state machine safety, no acknowledged write lost, a client history, compare-and-sets included,
/// linearizable with every value and version the service answered) and then,
/// with every fault healed, liveness (a leader and a new committed write within bounded virtual time). A run is a
/// function of its seed: replaying the seed gives the same trace hash.
/// </summary>
public static class FaultExplorer
{
    /// <summary>The Raft group (and key-value service) under test.</summary>
    public const string Group = "kv";

    /// <summary>A run that has not finished after this much virtual time is stuck, which is a liveness failure.</summary>
    public static readonly TimeSpan MaxVirtualTime = TimeSpan.FromMinutes(5);

    /// <summary>Wall-clock time one seed may take before it counts as stuck (a seed takes well under a second normally).</summary>
    public static readonly TimeSpan DefaultWallClockLimit = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Runs one seed on a thread of its own and gives up on it after <paramref name="wallClockLimit"/> (default
    /// <see cref="DefaultWallClockLimit"/>): simulated code that loops without awaiting anything that takes virtual time
    /// never returns to the loop, and virtual-time limits cannot catch that. A stuck seed is reported with the last
    /// events it traced; its thread is left behind (a background thread, it ends with the process).
    /// </summary>
    /// <param name="traceCapacity">How many of the last simulation events the result keeps for its report.</param>
    /// <param name="checkSteps">The linearizability check's step budget; the default serves every seed of the CI range
    /// with thousands of times what it needs (docs/simulation.md), a tiny one makes the check inconclusive.</param>
    public static ExplorationResult Run(int seed, int traceCapacity = 3_000, TimeSpan? wallClockLimit = null,
        long checkSteps = LinearizabilityChecker.DefaultMaxSteps) =>
        Run(FaultSchedule.Generate(seed), traceCapacity, wallClockLimit, checkSteps);

    /// <summary>Runs a given schedule (such as a seed's schedule as drawn before the scripted scenarios; see <see cref="Run(int, int, TimeSpan?, long)"/>).</summary>
    public static ExplorationResult Run(FaultSchedule schedule, int traceCapacity = 3_000, TimeSpan? wallClockLimit = null,
        long checkSteps = LinearizabilityChecker.DefaultMaxSteps)
    {
        var seed = schedule.Seed;
        var loop = new SimulationLoop(traceCapacity: traceCapacity);
        ExplorationResult? result = null;
        var thread = new Thread(() => result = Run(schedule, loop, checkSteps)) { IsBackground = true, Name = $"fault explorer seed {seed}" };
        thread.Start();
        var limit = wallClockLimit ?? DefaultWallClockLimit;
        if (thread.Join(limit))
        {
            return result!;
        }
        return new ExplorationResult(schedule,
            [$"stuck: still running after {limit.TotalSeconds:0} s of wall-clock time, at {loop.Elapsed} of virtual time after {loop.EventCount} events " +
             "(simulated code loops without letting virtual time pass; see the last events)"],
            [], new ExplorationStatistics(0, 0, 0, 0, 0), loop.TraceHash, loop.EventCount, loop.RecentTrace, limit, loop.Elapsed);
    }

    private static ExplorationResult Run(FaultSchedule schedule, SimulationLoop loop, long checkSteps)
    {
        var run = new ExplorationRun(schedule, loop);
        var wall = Stopwatch.StartNew();
        var violations = new List<string>();
        try
        {
            loop.Run(run.RunAsync, MaxVirtualTime);
        }
        catch (TimeoutException exception)
        {
            violations.Add($"liveness: the run did not finish within {MaxVirtualTime.TotalMinutes} min of virtual time ({exception.Message})");
        }
        catch (SimulationException exception)
        {
            violations.Add($"simulation: {exception.GetType().Name}: {exception.Message}");
        }
        catch (Exception exception)
        {
            // Caught here because the run has a thread of its own, where an exception would end the process.
            violations.Add($"the run failed: {exception}");
        }
        violations.AddRange(run.Violations);
        var notes = run.Notes.ToList();
        // A step budget, the same on every machine: a history it cannot decide fails the seed (an unchecked history
        // proves nothing), and replaying the seed gives the same verdict.
        var check = LinearizabilityChecker.Check(VersionedKvModel.Instance, run.History.GetHistory(), checkSteps);
        if (!check.IsOk)
        {
            violations.Add((check.IsIllegal ? "linearizability: " : "linearizability check inconclusive: ") + check.Description);
        }
        wall.Stop();
        return new ExplorationResult(schedule, violations, notes, run.Statistics, loop.TraceHash, loop.EventCount, loop.RecentTrace, wall.Elapsed, loop.Elapsed)
        {
            CheckSteps = check.Steps,
        };
    }
}
