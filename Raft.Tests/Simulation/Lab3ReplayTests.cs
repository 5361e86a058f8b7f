using Raft.Tests.Lab3;
using Xunit;
using Xunit.Abstractions;

namespace Raft.Tests.Simulation;

/// <summary>A lab 3 test scenario in simulation is a function of its seed: two runs give the same trace.</summary>
public sealed class Lab3ReplayTests(ITestOutputHelper output)
{
    /// <summary>
    /// UnreliableChurn3C (crashes, restarts, disconnects, concurrent clients, an unreliable network) twice with one seed:
    /// the same trace hash and event count, and the same result line (RPCs, bytes, commands).
    /// </summary>
    [Fact]
    public void UnreliableChurnRunsTheSameWayTwiceWithOneSeed()
    {
        var first = RunUnreliableChurn(seed: 7);
        var second = RunUnreliableChurn(seed: 7);
        output.WriteLine(first.State);
        output.WriteLine($"{first.Events} events, hash {first.Hash:x16}; virtual {first.Virtual.TotalSeconds:0.0} s, " +
            $"wall {first.Wall.TotalMilliseconds:0} ms and {second.Wall.TotalMilliseconds:0} ms");
        SimulationResult.AssertSameRun(first, second);
    }

    private static SimulationResult RunUnreliableChurn(int seed)
    {
        var output = new RecordingOutput();
        var clock = new SimulatedTestClock(seed, traceCapacity: 100_000);
        new Lab3OnClock(output, clock).UnreliableChurn3C().GetAwaiter().GetResult();
        // What the harness printed (the result line: time, RPCs, bytes, commands), without the clock's own line, whose
        // wall time differs from run to run.
        return clock.Result(string.Join(Environment.NewLine, output.Lines.Where(line => !line.StartsWith("simulation:", StringComparison.Ordinal))));
    }

    /// <summary>The lab 3C tests on a given clock (internal: xunit discovers only public classes).</summary>
    private sealed class Lab3OnClock(ITestOutputHelper output, TestClock clock) : Lab3C(output, clock);

    private sealed class RecordingOutput : ITestOutputHelper
    {
        public List<string> Lines { get; } = [];

        public void WriteLine(string message) => Lines.Add(message);

        public void WriteLine(string format, params object[] args) => Lines.Add(string.Format(System.Globalization.CultureInfo.InvariantCulture, format, args));
    }
}
