using Raft.Simulation.Linearizability;
using Xunit;
using Xunit.Sdk;

namespace Raft.Tests.Linearizability;

/// <summary>
/// The checker's budget is a number of search steps: a check that uses it up is <see cref="CheckOutcome.Unknown"/>,
/// the same on every run whatever the load, and the tests' assertion turns that into a failure.
/// </summary>
public sealed class CheckBudgetTests
{
    /// <summary>
    /// Sixteen concurrent appends and a read nothing can explain: refuting it means trying every order of every subset
    /// of the appends (the states are all different, so memoisation cannot prune them), far more than a thousand steps.
    /// </summary>
    private static List<Operation<KvInput, KvOutput>> HardHistory(string key = "p")
    {
        var history = new List<Operation<KvInput, KvOutput>>();
        for (var c = 0; c < 16; c++)
        {
            history.Add(new Operation<KvInput, KvOutput>(c, KvInput.Append(key, ((char)('a' + c)).ToString()), 0, KvOutput.Ack, 1000));
        }
        history.Add(new Operation<KvInput, KvOutput>(16, KvInput.Get(key), 0, KvOutput.Of("z"), 1000));
        return history;
    }

    [Fact]
    public void A_tiny_budget_on_a_hard_history_gives_unknown_after_exactly_that_many_steps()
    {
        var result = LinearizabilityChecker.Check(KvModel.Instance, HardHistory(), maxSteps: 1_000);

        Assert.Equal(CheckOutcome.Unknown, result.Outcome);
        Assert.Equal(new CheckBudget(1_000, 1_000, 17), result.Budget);
        Assert.Equal(0, result.PartitionsChecked);
        Assert.Equal("p", result.PartitionKey);
        Assert.StartsWith("Unknown (inconclusive, not a pass): the search used its whole budget of 1,000 steps " +
            "(1,000 of them in partition \"p\", 17 operations) without a verdict", result.Description);
    }

    [Fact]
    public void The_tests_assertion_fails_an_unknown_verdict_with_the_steps_the_operations_and_the_key()
    {
        var result = LinearizabilityChecker.Check(KvModel.Instance, HardHistory("hard-key"), maxSteps: 1_000);

        var failure = Assert.Throws<XunitException>(() => LinearizabilityAssert.Linearizable(result));

        Assert.StartsWith("Linearizability check failed. Unknown", failure.Message);
        Assert.Contains("budget of 1,000 steps", failure.Message);
        Assert.Contains("partition \"hard-key\", 17 operations", failure.Message);
        Assert.Contains("out of 17 operations in all", failure.Message);
    }

    [Fact]
    public void The_tests_assertion_passes_only_a_linearizable_history()
    {
        LinearizabilityAssert.Linearizable(KvHistory.Check(KvHistory.Put(1, 0, 10, "a", "1"), KvHistory.Get(2, 20, 30, "a", "1")));
        var illegal = KvHistory.Check(KvHistory.Put(1, 0, 10, "a", "1"), KvHistory.Get(2, 20, 30, "a", ""));

        var failure = Assert.Throws<XunitException>(() => LinearizabilityAssert.Linearizable(illegal));

        Assert.StartsWith("Linearizability check failed. Not linearizable: partition \"a\"", failure.Message);
    }

    [Theory]
    [InlineData(1_000L)]
    [InlineData(123_457L)]
    [InlineData(1_000_000L)]
    public void The_same_history_with_the_same_budget_gives_the_same_verdict_every_run(long budget)
    {
        // The hard history preceded by an illegal partition that needs few steps, and a legal one: which verdict comes
        // out depends on the budget alone, never on the machine.
        var history = HardHistory();
        history.AddRange([KvHistory.Put(1, 2000, 2010, "b", "1"), KvHistory.Get(2, 2020, 2030, "b", "1")]);

        var first = LinearizabilityChecker.Check(KvModel.Instance, history, budget);
        for (var run = 0; run < 5; run++)
        {
            var again = LinearizabilityChecker.Check(KvModel.Instance, history, budget);
            Assert.Equal(first.Outcome, again.Outcome);
            Assert.Equal(first.Budget, again.Budget);
            Assert.Equal(first.Description, again.Description);
        }
        Assert.Equal(CheckOutcome.Unknown, first.Outcome);
        Assert.Equal(budget, first.Steps);
        Assert.Equal(1, first.PartitionsChecked); // "b" (sorted first) is linearizable; "p" used the rest of the budget
    }

    [Fact]
    public void An_illegal_partition_checked_before_the_budget_runs_out_is_still_reported()
    {
        // Partition "a" (checked first) is illegal; partition "p" would need far more than the budget.
        var history = HardHistory();
        history.AddRange([KvHistory.Put(1, 0, 10, "a", "1"), KvHistory.Get(2, 20, 30, "a", "")]);

        var result = LinearizabilityChecker.Check(KvModel.Instance, history, maxSteps: 1_000);

        Assert.Equal(CheckOutcome.Illegal, result.Outcome);
        Assert.Equal("a", result.PartitionKey);
        Assert.True(result.Steps < 1_000, $"{result.Steps} steps");
    }
}
