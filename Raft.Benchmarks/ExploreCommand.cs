using System.Diagnostics;
using System.Globalization;
using Raft.Simulation.Explorer;

namespace Raft.Benchmarks;

/// <summary>
/// The fault explorer over a long range of seeds, with progress: `Raft.Benchmarks explore [--first 1] [--seeds 10000] [--report-all]`.
/// Prints a line per passing seed, each failing seed's full report as it happens (every seed's with --report-all), a progress line every 100 seeds, and a final summary line
/// "explored N seeds: P passed, F failed". Exits 1 when any seed failed.
/// </summary>
internal static class ExploreCommand
{
    public static int Run(string[] args, TextWriter output)
    {
        var first = 1;
        var seeds = 10_000;
        var reportAll = false;
        for (var i = 1; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--first":
                    first = int.Parse(Next(), CultureInfo.InvariantCulture);
                    break;
                case "--seeds":
                    seeds = int.Parse(Next(), CultureInfo.InvariantCulture);
                    break;
                case "--report-all":
                    reportAll = true;
                    break;
                default:
                    throw new ArgumentException($"unknown option {args[i]}");
            }
        }
        var clock = Stopwatch.StartNew();
        var failed = new List<int>();
        (long Steps, int Seed) biggestCheck = (0, 0);
        var virtualTime = TimeSpan.Zero;
        for (var seed = first; seed < first + seeds; seed++)
        {
            var result = FaultExplorer.Run(seed);
            virtualTime += result.Virtual;
            if (!result.Passed)
            {
                failed.Add(seed);
            }
            biggestCheck = result.CheckSteps > biggestCheck.Steps ? (result.CheckSteps, seed) : biggestCheck;
            if (!result.Passed || reportAll)
            {
                output.WriteLine(result.Report());
            }
            else
            {
                output.WriteLine($"seed {seed}: passed, hash {result.TraceHash:x16}, {result.EventCount} events, {result.CheckSteps} check steps, " +
                    $"virtual {result.Virtual.TotalSeconds:0.0} s, wall {result.Wall.TotalMilliseconds:0} ms; {result.Statistics}" +
                    string.Concat(result.Notes.Select(n => "; " + n)));
            }
            var done = seed - first + 1;
            if (done % 100 == 0 || done == seeds)
            {
                output.WriteLine($"{done} seeds ({first}..{seed}): {done - failed.Count} passed, {failed.Count} failed; " +
                    $"wall {clock.Elapsed.TotalSeconds:0} s ({clock.Elapsed.TotalMilliseconds / done:0} ms per seed), virtual {virtualTime.TotalHours:0.0} h");
                output.Flush();
            }
        }
        output.WriteLine($"explored {seeds} seeds ({first}..{first + seeds - 1}): {seeds - failed.Count} passed" +
            $", {failed.Count} failed" + (failed.Count > 0 ? $" (seeds {string.Join(", ", failed)})" : "") + $"; wall {clock.Elapsed}; " +
            $"the biggest linearizability check took {biggestCheck.Steps} steps (seed {biggestCheck.Seed})");
        return failed.Count == 0 ? 0 : 1;
    }
}
