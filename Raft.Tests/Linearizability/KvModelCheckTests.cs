using Raft.Simulation.Linearizability;
using Xunit;
using static Raft.Tests.Linearizability.KvHistory;

namespace Raft.Tests.Linearizability;

public sealed class KvModelCheckTests
{
    [Fact]
    public void A_sequential_history_that_follows_the_model_is_linearizable()
    {
        var result = Check(
            Get(1, 0, 10, "x", ""),
            Put(1, 20, 30, "x", "a"),
            Get(2, 40, 50, "x", "a"),
            Append(1, 60, 70, "x", "b"),
            Get(2, 80, 90, "x", "ab"),
            Delete(2, 100, 110, "x"),
            Get(1, 120, 130, "x", ""));

        Assert.Equal(CheckOutcome.Ok, result.Outcome);
        Assert.Equal(1, result.PartitionCount);
    }

    [Fact]
    public void An_empty_history_is_linearizable()
    {
        Assert.Equal(CheckOutcome.Ok, Check().Outcome);
    }

    [Theory]
    [InlineData("")]  // the get takes effect before the put
    [InlineData("1")] // the get takes effect after the put
    public void A_get_overlapping_a_put_may_see_the_value_before_or_after_it(string seen)
    {
        var result = Check(
            Put(1, 0, 100, "x", "1"),
            Get(2, 50, 150, "x", seen));

        Assert.Equal(CheckOutcome.Ok, result.Outcome);
    }

    [Fact]
    public void Equal_timestamps_count_as_overlapping()
    {
        // The get is called at the very tick the put returns: either order is allowed.
        var result = Check(
            Put(1, 0, 50, "x", "1"),
            Get(2, 50, 60, "x", ""));

        Assert.Equal(CheckOutcome.Ok, result.Outcome);
    }

    [Fact]
    public void A_stale_read_after_a_completed_write_is_illegal_and_the_result_names_the_key()
    {
        var stale = Get(3, 40, 50, "x", "1");
        var result = Check(
            Put(1, 0, 10, "x", "1"),
            Put(2, 20, 30, "x", "2"),
            stale);

        Assert.Equal(CheckOutcome.Illegal, result.Outcome);
        Assert.Equal("x", result.PartitionKey);
        Assert.Equal(["1", "2"], result.LinearizablePrefix.Select(op => op.Input.Value));
        Assert.Equal([stale], result.StuckOperations);
        Assert.Contains("partition \"x\"", result.Description);
        Assert.Contains("Get(\"x\") -> \"1\"", result.Description);
        Assert.Contains("illegal in state \"2\"", result.Description);
    }

    [Fact]
    public void Two_readers_observing_concurrent_writes_in_contradictory_orders_is_illegal()
    {
        // Both writes span every read. Reader 3 sees 1 then 2 (so W1 precedes W2); reader 4 sees 2 then 1.
        var result = Check(
            Put(1, 0, 100, "r", "1"),
            Put(2, 0, 100, "r", "2"),
            Get(3, 10, 20, "r", "1"),
            Get(3, 30, 40, "r", "2"),
            Get(4, 10, 20, "r", "2"),
            Get(4, 30, 40, "r", "1"));

        Assert.Equal(CheckOutcome.Illegal, result.Outcome);
        Assert.Equal("r", result.PartitionKey);
    }

    [Fact]
    public void Two_readers_observing_concurrent_writes_in_the_same_order_is_linearizable()
    {
        var result = Check(
            Put(1, 0, 100, "r", "1"),
            Put(2, 0, 100, "r", "2"),
            Get(3, 10, 20, "r", "1"),
            Get(3, 30, 40, "r", "2"),
            Get(4, 10, 20, "r", "1"),
            Get(4, 30, 40, "r", "2"));

        Assert.Equal(CheckOutcome.Ok, result.Outcome);
    }

    [Fact]
    public void A_read_that_returns_the_old_value_after_another_read_returned_the_new_one_is_illegal()
    {
        // New-old inversion: the write is still in progress, but reads that follow each other in real time
        // must not go back.
        var result = Check(
            Put(1, 0, 100, "r", "1"),
            Get(2, 10, 20, "r", "1"),
            Get(3, 30, 40, "r", ""));

        Assert.Equal(CheckOutcome.Illegal, result.Outcome);
    }

    [Theory]
    [InlineData("ab")]
    [InlineData("ba")]
    public void Concurrent_appends_may_apply_in_either_order(string seen)
    {
        var result = Check(
            Append(1, 0, 100, "x", "a"),
            Append(2, 0, 100, "x", "b"),
            Get(3, 150, 160, "x", seen),
            Get(4, 170, 180, "x", seen));

        Assert.Equal(CheckOutcome.Ok, result.Outcome);
    }

    [Theory]
    [InlineData("ab", "ba")] // two orders of the same appends
    [InlineData("ab", "abb")] // an append applied twice
    [InlineData("ab", "b")]  // an append lost
    public void Reads_after_appends_must_agree_on_one_order_applied_once(string first, string second)
    {
        var result = Check(
            Append(1, 0, 100, "x", "a"),
            Append(2, 0, 100, "x", "b"),
            Get(3, 150, 160, "x", first),
            Get(4, 170, 180, "x", second));

        Assert.Equal(CheckOutcome.Illegal, result.Outcome);
    }

    [Fact]
    public void Sequential_appends_apply_in_real_time_order()
    {
        Assert.Equal(CheckOutcome.Ok, Check(
            Append(1, 0, 10, "x", "a"),
            Append(2, 20, 30, "x", "b"),
            Get(3, 40, 50, "x", "ab")).Outcome);
        Assert.Equal(CheckOutcome.Illegal, Check(
            Append(1, 0, 10, "x", "a"),
            Append(2, 20, 30, "x", "b"),
            Get(3, 40, 50, "x", "ba")).Outcome);
    }

    [Fact]
    public void An_append_that_returns_the_old_value_is_checked_against_it()
    {
        var ok = Check(
            new Operation<KvInput, KvOutput>(1, KvInput.Append("x", "a"), 0, KvOutput.Of(""), 10),
            new Operation<KvInput, KvOutput>(2, KvInput.Append("x", "b"), 20, KvOutput.Of("a"), 30));
        var wrong = Check(
            new Operation<KvInput, KvOutput>(1, KvInput.Append("x", "a"), 0, KvOutput.Of(""), 10),
            new Operation<KvInput, KvOutput>(2, KvInput.Append("x", "b"), 20, KvOutput.Of(""), 30));

        Assert.Equal(CheckOutcome.Ok, ok.Outcome);
        Assert.Equal(CheckOutcome.Illegal, wrong.Outcome);
    }

    [Fact]
    public void A_read_after_a_delete_sees_the_empty_value()
    {
        Assert.Equal(CheckOutcome.Illegal, Check(
            Put(1, 0, 10, "x", "a"),
            Delete(1, 20, 30, "x"),
            Get(2, 40, 50, "x", "a")).Outcome);
    }

    [Fact]
    public void An_unknown_outcome_put_that_took_effect_is_linearizable()
    {
        var result = Check(
            new Operation<KvInput, KvOutput>(1, KvInput.Put("x", "1"), 0, KvOutput.Unknown, Never),
            Get(2, 500, 510, "x", "1"),
            Get(3, 600, 610, "x", "1"));

        Assert.Equal(CheckOutcome.Ok, result.Outcome);
    }

    [Fact]
    public void An_unknown_outcome_put_that_never_took_effect_is_linearizable()
    {
        var result = Check(
            new Operation<KvInput, KvOutput>(1, KvInput.Put("x", "1"), 0, KvOutput.Unknown, Never),
            Get(2, 500, 510, "x", ""),
            Put(3, 600, 610, "x", "2"),
            Get(2, 700, 710, "x", "2"));

        Assert.Equal(CheckOutcome.Ok, result.Outcome);
    }

    [Fact]
    public void An_unknown_outcome_put_can_take_effect_late_but_not_before_its_call()
    {
        var late = Check(
            Get(2, 0, 10, "x", ""),
            new Operation<KvInput, KvOutput>(1, KvInput.Put("x", "1"), 20, KvOutput.Unknown, Never),
            Get(2, 500, 510, "x", ""),
            Get(2, 900, 910, "x", "1"));
        var early = Check(
            Get(2, 0, 10, "x", "1"),
            new Operation<KvInput, KvOutput>(1, KvInput.Put("x", "1"), 20, KvOutput.Unknown, Never));

        Assert.Equal(CheckOutcome.Ok, late.Outcome);
        Assert.Equal(CheckOutcome.Illegal, early.Outcome);
    }

    [Fact]
    public void Dropping_an_unknown_outcome_write_that_was_observed_makes_a_correct_history_look_illegal()
    {
        // Why unknown outcomes are recorded rather than left out.
        var result = Check(Get(2, 500, 510, "x", "1"));

        Assert.Equal(CheckOutcome.Illegal, result.Outcome);
    }

    [Fact]
    public void An_unknown_outcome_get_may_have_read_anything()
    {
        var result = Check(
            Put(1, 0, 10, "x", "1"),
            new Operation<KvInput, KvOutput>(2, KvInput.Get("x"), 20, KvOutput.Unknown, Never));

        Assert.Equal(CheckOutcome.Ok, result.Outcome);
    }

    [Fact]
    public void Keys_are_checked_independently_and_the_one_illegal_key_among_many_is_reported()
    {
        var history = new List<Operation<KvInput, KvOutput>>();
        for (var k = 0; k < 10; k++)
        {
            var key = $"k{k}";
            var t = k * 5; // keys interleave in time
            history.Add(Put(1, t, t + 100, key, "a"));
            history.Add(Put(2, t + 200, t + 300, key, "b"));
            history.Add(Get(3, t + 400, t + 500, key, k == 7 ? "a" : "b"));
        }

        var result = LinearizabilityChecker.Check(KvModel.Instance, history);

        Assert.Equal(CheckOutcome.Illegal, result.Outcome);
        Assert.Equal("k7", result.PartitionKey);
        Assert.Equal(10, result.PartitionCount);
        Assert.All(result.Partition!.Operations, op => Assert.Equal("k7", op.Input.Key));
        Assert.Contains("partition \"k7\"", result.Description);
    }

    [Fact]
    public void Each_key_gets_its_own_partition()
    {
        // Linearizability is local: the history is linearizable iff each key's sub-history is.
        var result = Check(
            Put(1, 0, 100, "x", "1"),
            Put(1, 0, 100, "y", "1"),
            Get(2, 10, 20, "y", "1"),
            Get(2, 30, 40, "x", ""));

        Assert.Equal(CheckOutcome.Ok, result.Outcome);
        Assert.Equal(2, result.PartitionCount);
        Assert.Equal(2, result.PartitionsChecked);
    }

    [Fact]
    public void An_operation_returning_before_its_call_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => Check(Get(1, 10, 5, "x", "")));
    }
}
