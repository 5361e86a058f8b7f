using System.Diagnostics;
using System.Globalization;
using Raft.Simulation.Explorer;
using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Raft.Tests.Explorer;

/// <summary>
/// The randomized fault explorer over a CI-sized range of seeds. RAFT_EXPLORER_FIRST_SEED and RAFT_EXPLORER_SEEDS
/// choose another range (a long run: RAFT_EXPLORER_SEEDS=10000, or Raft.Benchmarks explore, which reports progress).
/// </summary>
public sealed class FaultExplorerTests(ITestOutputHelper output)
{
    private const int CiFirstSeed = 1;
    private const int CiSeeds = 500; // about a minute in CI
    private const int ReportedFailures = 3;

    [Fact]
    public void EverySeedOfTheCiRangeKeepsRaftSafeAndLiveThroughRandomFaults()
    {
        var first = EnvironmentInt("RAFT_EXPLORER_FIRST_SEED") ?? CiFirstSeed;
        var count = EnvironmentInt("RAFT_EXPLORER_SEEDS") ?? CiSeeds;
        var clock = Stopwatch.StartNew();
        var failures = new List<ExplorationResult>();
        (long Steps, int Seed) biggestCheck = (0, 0);
        for (var seed = first; seed < first + count; seed++)
        {
            // A seed whose linearizability check runs out of steps fails like any other violation.
            var result = FaultExplorer.Run(seed);
            if (!result.Passed)
            {
                failures.Add(result);
            }
            biggestCheck = result.CheckSteps > biggestCheck.Steps ? (result.CheckSteps, seed) : biggestCheck;
        }
        output.WriteLine($"seeds {first}..{first + count - 1}: {count - failures.Count} passed, {failures.Count} failed " +
            $"in {clock.Elapsed.TotalSeconds:0.0} s ({clock.Elapsed.TotalMilliseconds / count:0} ms per seed); the biggest linearizability check " +
            $"took {biggestCheck.Steps:N0} steps (seed {biggestCheck.Seed}) of the {Raft.Simulation.Linearizability.LinearizabilityChecker.DefaultMaxSteps:N0} each may take");
        if (failures.Count > 0)
        {
            throw new XunitException(
                $"{failures.Count} of {count} seeds failed: {string.Join(", ", failures.Select(f => f.Seed))}{Environment.NewLine}" +
                string.Join(Environment.NewLine, failures.Take(ReportedFailures).Select(f => f.Report())));
        }
    }

    [Fact]
    public void ASeedReplaysExactly()
    {
        var first = FaultExplorer.Run(7);
        var second = FaultExplorer.Run(7);
        output.WriteLine(first.Report());
        Assert.True(first.Passed);
        // The checks saw the run: elections (read from the peers' logs), client operations, applied commands.
        Assert.True(first.Statistics.ElectedTerms > 0, first.Statistics.ToString());
        Assert.True(first.Statistics.AcknowledgedAppends > 0, first.Statistics.ToString());
        Assert.True(first.Statistics.HighestAppliedIndex > first.Statistics.AcknowledgedAppends, first.Statistics.ToString());
        Assert.Equal(first.TraceHash, second.TraceHash);
        Assert.Equal(first.EventCount, second.EventCount);
        Assert.Equal(first.Trace, second.Trace);
        Assert.Equal(first.Violations, second.Violations);
    }

    [Fact]
    public void TheClientsCompareAndSetUnderFaultsAndTheServiceBothAppliesAndRefuses()
    {
        // The versioned model checks conditional puts only if there are some, of both outcomes, among faults.
        var statistics = Enumerable.Range(1, 10).Select(seed => FaultExplorer.Run(seed)).Select(r => r.Passed ? r.Statistics : throw new XunitException(r.Report())).ToList();

        output.WriteLine(string.Join(Environment.NewLine, statistics));
        Assert.True(statistics.Sum(s => s.CompareAndSetsApplied) > 0, "no compare-and-set applied");
        Assert.True(statistics.Sum(s => s.CompareAndSetsRefused) > 0, "no compare-and-set refused");
    }

    [Fact]
    public void EveryOperationOfAnExplorerHistoryTakesTimeAndNoReturnTiesAnotherClientsCall()
    {
        // Messages that arrive in the instant they are sent made most operations zero-length and tied returns with other
        // clients' calls, which the checker takes as overlapping: histories looser than real ones (review finding 16).
        var statistics = Enumerable.Range(1, 20).Select(seed => FaultExplorer.Run(seed)).Select(r => r.Passed ? r.Statistics : throw new XunitException(r.Report())).ToList();

        var operations = statistics.Sum(s => s.Operations);
        output.WriteLine($"{operations} operations, {statistics.Sum(s => s.ZeroLengthOperations)} zero-length, {statistics.Sum(s => s.TiedReturns)} returns tied with another client's call");
        Assert.True(operations > 500, $"only {operations} operations");
        Assert.Equal(0, statistics.Sum(s => s.ZeroLengthOperations));
        Assert.Equal(0, statistics.Sum(s => s.TiedReturns));
    }

    [Fact]
    public void ASeedWhoseLinearizabilityCheckRunsOutOfStepsFailsWithTheSteps()
    {
        // Seed 7 passes with the default budget (ASeedReplaysExactly); ten steps cannot decide its history.
        var result = FaultExplorer.Run(7, checkSteps: 10);

        Assert.False(result.Passed);
        var violation = Assert.Single(result.Violations);
        Assert.StartsWith("linearizability check inconclusive: Unknown (inconclusive, not a pass): the search used its whole budget of 10 steps", violation);
        Assert.Contains("operations in all", violation);
        Assert.Equal(10, result.CheckSteps);
        Assert.StartsWith("Fault explorer seed 7: 1 violation(s); linearizability check 10 steps", result.Report());
    }

    [Fact]
    public void ASeedThatOutlastsItsWallClockLimitIsReportedAsStuckWithItsScheduleAndTrace()
    {
        // A millisecond is too short to even deploy the cluster: the run is given up on and reported.
        var result = FaultExplorer.Run(3, wallClockLimit: TimeSpan.FromMilliseconds(1));

        Assert.False(result.Passed);
        Assert.StartsWith("stuck: still running after 0 s of wall-clock time", Assert.Single(result.Violations));
        var report = result.Report();
        Assert.StartsWith("Fault explorer seed 3: 1 violation(s)", report);
        Assert.Contains(FaultSchedule.Generate(3).ToString(), report);
        Assert.Contains("Replay: FaultExplorer.Run(3)", report);
    }

    private static int? EnvironmentInt(string name) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;
}
