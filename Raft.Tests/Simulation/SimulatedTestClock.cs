using System.Diagnostics;
using System.Globalization;
using Raft.Simulation;
using Xunit.Abstractions;

namespace Raft.Tests.Simulation;

/// <summary>
/// Runs a test body, its cluster and every task it starts on one <see cref="SimulationLoop"/> in virtual time: the
/// same seed gives the same run. The seed is <paramref name="seed"/> unless the environment variable RAFT_SIM_SEED
/// sets another (to explore). One instance serves one test run (a loop runs once). With RAFT_SIM_TRACE=&lt;directory&gt;
/// the run keeps its last million events and writes them there as sim-&lt;seed&gt;-&lt;trace hash&gt;.trace.
/// </summary>
public sealed class SimulatedTestClock(int seed, int traceCapacity = 256) : TestClock
{
    /// <summary>The bound on one test's virtual time; the course's tests take at most 120 s each.</summary>
    public static readonly TimeSpan MaxVirtualTime = TimeSpan.FromMinutes(10);

    private static readonly string? TraceDirectory = Environment.GetEnvironmentVariable("RAFT_SIM_TRACE") is { Length: > 0 } directory ? directory : null;

    public SimulationLoop Loop { get; } = new(traceCapacity: TraceDirectory is null ? traceCapacity : Math.Max(traceCapacity, 1_000_000));

    /// <summary>Wall time the last <see cref="RunAsync"/> took.</summary>
    public TimeSpan Wall { get; private set; }

    public override TimeProvider Time => Loop;

    public override bool IsSimulated => true;

    public int Seed { get; } = TestSeed.FromEnvironment("RAFT_SIM_SEED") ?? seed;

    public override int ChooseSeed() => Seed;

    /// <summary>
    /// Runs <paramref name="test"/> on the loop until it completes (the xunit thread drives the loop), then writes the
    /// seed, the trace hash, the event count, and the virtual and wall time, whether the test passed or not.
    /// </summary>
    public override Task RunAsync(ITestOutputHelper output, Func<Task> test)
    {
        var wall = Stopwatch.StartNew();
        try
        {
            Loop.Run(test, MaxVirtualTime);
        }
        finally
        {
            Wall = wall.Elapsed;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"simulation: seed={Seed} (RAFT_SIM_SEED replays it) trace hash {Loop.TraceHash:x16}, {Loop.EventCount} events, " +
                $"virtual {Loop.Elapsed.TotalSeconds:F1} s, wall {Wall.TotalSeconds:F2} s"));
            if (TraceDirectory is not null)
            {
                var path = Path.Combine(TraceDirectory, string.Create(CultureInfo.InvariantCulture, $"sim-{Seed}-{Loop.TraceHash:x16}.trace"));
                File.WriteAllLines(path, Loop.RecentTrace);
                output.WriteLine($"simulation trace: {path}");
            }
        }
        return Task.CompletedTask;
    }

    /// <summary>
    /// Every call between hosts takes this much virtual time, about what an in-process grain call takes in real time.
    /// Without it a commit costs no virtual time, and a test that polls for commits (the churn clients) livelocks.
    /// </summary>
    /// <summary>
    /// How long a write takes to reach a simulated disk: about an fsync on this project's machine (SQLite measured
    /// 0.4–0.7 ms a write). A crash is then a power loss: writes still on their way land or not, by the seed.
    /// </summary>
    public static readonly TimeSpan DiskWriteLatency = TimeSpan.FromMilliseconds(1);

    public static readonly TimeSpan MessageLatency = TimeSpan.FromMilliseconds(1);

    public override Task<T> StartConcurrently<T>(Func<Task<T>> work) =>
        Task.Factory.StartNew(work, CancellationToken.None, TaskCreationOptions.DenyChildAttach, Loop.Scheduler).Unwrap();

    /// <summary>What the last run produced, to compare two runs with <see cref="SimulationResult.AssertSameRun"/>.</summary>
    internal SimulationResult Result(string state) =>
        new(Loop.TraceHash, Loop.EventCount, state, Wall, Loop.Elapsed, Loop.RecentTrace);
}
