using Raft.Simulation.Linearizability;
using Xunit;

namespace Raft.Tests.Linearizability;

/// <summary>The checker with a model of its own: a shared counter, not partitioned.</summary>
public sealed class CustomModelCheckTests
{
    private enum CounterOp
    {
        Increment, // returns the new value
        Read,
    }

    private sealed class CounterModel : Model<int, CounterOp, int>
    {
        public override int Init() => 0;

        public override (bool Legal, int Next) Step(int state, CounterOp input, int output) => input switch
        {
            CounterOp.Increment => (output == state + 1, state + 1),
            _ => (output == state, state),
        };

        public override string DescribeOperation(CounterOp input, int output) => $"{input}() -> {output}";

        public override string DescribeState(int state) => $"count={state}";
    }

    private static Operation<CounterOp, int> Op(int client, long call, long ret, CounterOp op, int output) => new(client, op, call, output, ret);

    [Fact]
    public void Concurrent_increments_that_each_saw_a_distinct_value_are_linearizable()
    {
        var result = LinearizabilityChecker.Check(new CounterModel(),
        [
            Op(1, 0, 100, CounterOp.Increment, 2),
            Op(2, 0, 100, CounterOp.Increment, 1),
            Op(3, 0, 100, CounterOp.Increment, 3),
            Op(4, 150, 160, CounterOp.Read, 3),
        ]);

        Assert.Equal(CheckOutcome.Ok, result.Outcome);
        Assert.Equal(1, result.PartitionCount);
    }

    [Fact]
    public void Two_increments_returning_the_same_value_are_illegal_and_the_report_uses_the_models_descriptions()
    {
        var result = LinearizabilityChecker.Check(new CounterModel(),
        [
            Op(1, 0, 100, CounterOp.Increment, 1),
            Op(2, 0, 100, CounterOp.Increment, 1),
        ]);

        Assert.Equal(CheckOutcome.Illegal, result.Outcome);
        Assert.Equal("", result.PartitionKey);
        Assert.Single(result.LinearizablePrefix);
        Assert.Single(result.StuckOperations);
        Assert.StartsWith("Not linearizable: the history (2 operations, 2 clients)", result.Description);
        Assert.Contains("Increment() -> 1  : illegal in state count=1", result.Description);
    }

    [Fact]
    public void A_budget_below_one_step_is_rejected_but_an_unlimited_one_is_allowed()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            LinearizabilityChecker.Check(new CounterModel(), [], maxSteps: 0));
        Assert.True(LinearizabilityChecker.Check(new CounterModel(), [Op(1, 0, 1, CounterOp.Read, 0)], LinearizabilityChecker.UnlimitedSteps).IsOk);
    }
}
