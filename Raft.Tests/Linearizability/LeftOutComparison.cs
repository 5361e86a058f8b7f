using Raft.Simulation.Linearizability;
using Xunit;
using Xunit.Abstractions;

namespace Raft.Tests.Linearizability;

/// <summary>
/// The differential test of a model's <see cref="Model{TState, TInput, TOutput}.OperationsToSearch"/>: on many small
/// random histories, the verdict with operations left out must equal the full search's.
/// </summary>
internal static class LeftOutComparison
{
    private const int Histories = 3000;

    /// <summary>
    /// Checks <see cref="Histories"/> histories from <paramref name="nextHistory"/> with <paramref name="leavingOut"/> and
    /// with <paramref name="full"/> (the same model without leaving anything out), both without a step limit, and fails
    /// at the first verdict that differs. Also fails unless Ok, Illegal and a left-out operation each came up often
    /// (more than a tenth of the histories): otherwise the comparison shows nothing.
    /// </summary>
    public static void AssertSameVerdicts<TState, TInput, TOutput>(
        Model<TState, TInput, TOutput> leavingOut,
        Model<TState, TInput, TOutput> full,
        Func<Random, List<Operation<TInput, TOutput>>> nextHistory,
        int seed,
        ITestOutputHelper output)
    {
        var random = new Random(seed);
        var verdicts = new Dictionary<CheckOutcome, int>();
        var prunedHistories = 0;
        for (var i = 0; i < Histories; i++)
        {
            var history = nextHistory(random);
            var pruned = LinearizabilityChecker.Check(leavingOut, history, LinearizabilityChecker.UnlimitedSteps);
            var whole = LinearizabilityChecker.Check(full, history, LinearizabilityChecker.UnlimitedSteps);

            Assert.True(whole.Outcome == pruned.Outcome,
                $"history {i}: {whole.Outcome} in full, {pruned.Outcome} with unobserved operations left out:{Environment.NewLine}" +
                string.Join(Environment.NewLine, history));
            verdicts[whole.Outcome] = verdicts.GetValueOrDefault(whole.Outcome) + 1;
            prunedHistories += pruned.Description.Contains("left out", StringComparison.Ordinal) ? 1 : 0;
        }

        output.WriteLine($"ok {verdicts.GetValueOrDefault(CheckOutcome.Ok)}, illegal {verdicts.GetValueOrDefault(CheckOutcome.Illegal)}, " +
            $"linearizable with something left out {prunedHistories}");
        Assert.True(verdicts.GetValueOrDefault(CheckOutcome.Ok) > Histories / 10);
        Assert.True(verdicts.GetValueOrDefault(CheckOutcome.Illegal) > Histories / 10);
        Assert.True(prunedHistories > Histories / 10);
    }
}
