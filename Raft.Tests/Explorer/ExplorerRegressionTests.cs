using Raft.Simulation.Explorer;
using Xunit;
using Xunit.Abstractions;

namespace Raft.Tests.Explorer;

/// <summary>
/// Seeds on which the fault explorer found a bug, pinned so that the bug stays fixed. Each names what went wrong;
/// the schedule and trace of a failure are in its report.
/// </summary>
public sealed class ExplorerRegressionTests(ITestOutputHelper output)
{
    private static readonly TimeSpan WallClockLimit = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Seed 119 (6 peers, the leader crashed while clients were cut off): a client's operation deadline came down to
    /// less than a millisecond. Its next attempt timed out at once (WaitAsync truncates to whole milliseconds) and so
    /// did the backoff (Task.Delay likewise), so the retry loop spun forever at one virtual instant, never letting the
    /// simulation move on. Fixed in KeyValueClient: less than a millisecond left counts as the deadline passed.
    /// </summary>
    [Fact]
    public void Seed119AClientWhoseDeadlineIsWithinAMillisecondGivesUpInsteadOfSpinning() => AssertPasses(119);

    private void AssertPasses(int seed)
    {
        var result = FaultExplorer.Run(seed, wallClockLimit: WallClockLimit);
        output.WriteLine($"seed {seed}: hash {result.TraceHash:x16}, {result.EventCount} events, wall {result.Wall.TotalMilliseconds:0} ms; {result.Statistics}");
        Assert.True(result.Passed, result.Report());
    }
}
