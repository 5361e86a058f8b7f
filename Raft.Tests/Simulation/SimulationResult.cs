using Xunit.Sdk;

namespace Raft.Tests.Simulation;

/// <summary>What one simulated run produced: the loop's trace hash and event count, the final state, and timings.</summary>
internal sealed record SimulationResult(ulong Hash, long Events, string State, TimeSpan Wall, TimeSpan Virtual, IReadOnlyList<string> Trace)
{
    /// <summary>Fails, showing the first event where the runs went apart, unless both runs are the same.</summary>
    public static void AssertSameRun(SimulationResult first, SimulationResult second)
    {
        if (first.Hash == second.Hash && first.Events == second.Events && first.State == second.State)
        {
            return;
        }
        var offset = first.Events - first.Trace.Count; // both traces end at their last event
        var index = 0;
        while (index < first.Trace.Count && index < second.Trace.Count && first.Trace[index] == second.Trace[index])
        {
            index++;
        }
        var context = Enumerable.Range(Math.Max(0, index - 5), 10)
            .Select(i => $"  #{offset + i}: {At(first.Trace, i)}  |  {At(second.Trace, i)}");
        throw new XunitException(
            $"The runs differ: hash {first.Hash:x16} vs {second.Hash:x16}, {first.Events} vs {second.Events} events.{Environment.NewLine}" +
            $"First difference among the kept events at #{offset + index}:{Environment.NewLine}{string.Join(Environment.NewLine, context)}{Environment.NewLine}" +
            $"State 1:{Environment.NewLine}{first.State}{Environment.NewLine}State 2:{Environment.NewLine}{second.State}");
    }

    private static string At(IReadOnlyList<string> trace, int index) => index < trace.Count ? trace[index] : "(end)";
}
