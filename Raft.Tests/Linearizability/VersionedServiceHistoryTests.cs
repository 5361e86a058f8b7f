using Raft.Simulation.Linearizability;
using Xunit;

namespace Raft.Tests.Linearizability;

/// <summary>
/// <see cref="VersionedKvModel"/> on what this repository's service answers: every write reports the key's new
/// version (an Append also its new value, a refused conditional put the current value and version), so a wrong
/// version or value anywhere makes the history illegal.
/// </summary>
public sealed class VersionedServiceHistoryTests
{
    private const long Never = Operation<VersionedKvInput, VersionedKvOutput>.UnknownReturn;

    private static Operation<VersionedKvInput, VersionedKvOutput> Op(int client, long call, long ret, VersionedKvInput input, VersionedKvOutput output) =>
        new(client, input, call, output, ret);

    private static Operation<VersionedKvInput, VersionedKvOutput> Unknown(long call, VersionedKvInput input) =>
        new(99, input, call, VersionedKvOutput.Unknown, Never);

    private static CheckResult<VersionedKvInput, VersionedKvOutput> Check(params Operation<VersionedKvInput, VersionedKvOutput>[] history) =>
        LinearizabilityChecker.Check(VersionedKvModel.Instance, history);

    /// <summary>The service's answers to a sequential run of every kind of operation on one key.</summary>
    private static Operation<VersionedKvInput, VersionedKvOutput>[] SequentialRun() =>
    [
        Op(1, 0, 10, VersionedKvInput.Put("k", "a"), VersionedKvOutput.Written(1)),
        Op(1, 20, 30, VersionedKvInput.Append("k", "b"), VersionedKvOutput.Appended("ab", 2)),
        Op(2, 40, 50, VersionedKvInput.Get("k"), VersionedKvOutput.Found("ab", 2)),
        Op(2, 60, 70, VersionedKvInput.PutIfVersion("k", "c", 2), VersionedKvOutput.Written(3)),
        Op(1, 80, 90, VersionedKvInput.PutIfVersion("k", "d", 2), VersionedKvOutput.Conflict("c", 3)),
        Op(1, 100, 110, VersionedKvInput.Delete("k"), VersionedKvOutput.Deleted),
        Op(2, 120, 130, VersionedKvInput.Get("k"), VersionedKvOutput.NoKey),
        Op(2, 140, 150, VersionedKvInput.PutIfVersion("k", "e", 3), VersionedKvOutput.Reply(VersionedKvErr.ErrNoKey)),
        Op(1, 160, 170, VersionedKvInput.Append("k", "f"), VersionedKvOutput.Appended("f", 1)),
    ];

    [Fact]
    public void A_sequential_run_of_every_operation_with_the_services_answers_is_linearizable()
    {
        var result = Check(SequentialRun());

        Assert.True(result.IsOk, result.Description);
    }

    [Theory]
    [InlineData(0, "put reports version 2 where the key had none before")]
    [InlineData(1, "append reports the old version")]
    [InlineData(2, "read reports a version one too high")]
    [InlineData(3, "conditional put that applied reports the version it expected")]
    [InlineData(4, "refused conditional put reports a stale version")]
    [InlineData(8, "append after a delete continues the old versions")]
    public void One_wrong_version_makes_the_run_illegal(int index, string what)
    {
        var history = SequentialRun();
        var output = history[index].Output;
        history[index] = history[index] with
        {
            Output = index switch
            {
                0 => VersionedKvOutput.Written(2),
                1 => VersionedKvOutput.Appended("ab", 1),
                2 => VersionedKvOutput.Found("ab", 3),
                3 => VersionedKvOutput.Written(2),
                4 => VersionedKvOutput.Conflict("c", 2),
                _ => VersionedKvOutput.Appended("f", 4),
            },
        };
        Assert.NotEqual(output, history[index].Output);

        var result = Check(history);

        Assert.True(result.IsIllegal, $"{what}: {result.Description}");
        Assert.Equal("k", result.PartitionKey);
    }

    [Fact]
    public void An_append_reporting_a_value_without_an_earlier_append_is_illegal()
    {
        var history = SequentialRun();
        history[1] = history[1] with { Output = VersionedKvOutput.Appended("b", 2) };

        var result = Check(history);

        Assert.True(result.IsIllegal, result.Description);
        Assert.Contains("Append(\"k\", \"b\") -> Ok \"b\" v2  : illegal in state \"a\" v1", result.Description);
    }

    [Fact]
    public void Of_two_concurrent_conditional_puts_at_one_version_one_applies_and_the_other_sees_its_write()
    {
        var ok = Check(
            Op(1, 0, 10, VersionedKvInput.Put("k", "a"), VersionedKvOutput.Written(1)),
            Op(1, 20, 100, VersionedKvInput.PutIfVersion("k", "x", 1), VersionedKvOutput.Conflict("y", 2)),
            Op(2, 20, 100, VersionedKvInput.PutIfVersion("k", "y", 1), VersionedKvOutput.Written(2)));
        var bothApplied = Check(
            Op(1, 0, 10, VersionedKvInput.Put("k", "a"), VersionedKvOutput.Written(1)),
            Op(1, 20, 100, VersionedKvInput.PutIfVersion("k", "x", 1), VersionedKvOutput.Written(2)),
            Op(2, 20, 100, VersionedKvInput.PutIfVersion("k", "y", 1), VersionedKvOutput.Written(2)));

        Assert.True(ok.IsOk, ok.Description);
        Assert.True(bothApplied.IsIllegal, bothApplied.Description);
    }

    [Fact]
    public void An_unknown_append_nothing_observed_on_an_append_only_key_is_left_out()
    {
        var history = new List<Operation<VersionedKvInput, VersionedKvOutput>>
        {
            Op(1, 0, 10, VersionedKvInput.Append("k", "a"), VersionedKvOutput.Appended("a", 1)),
        };
        for (var c = 0; c < 16; c++)
        {
            history.Add(Unknown(20, VersionedKvInput.Append("k", ((char)('A' + c)).ToString())));
        }
        history.Add(Op(2, 100, 110, VersionedKvInput.Get("k"), VersionedKvOutput.Found("a", 1)));

        var result = LinearizabilityChecker.Check(VersionedKvModel.Instance, history);

        Assert.True(result.IsOk, result.Description);
        Assert.Contains("16 with unknown outcomes that nothing observed left out", result.Description);
    }

    [Fact]
    public void An_unknown_append_that_only_a_later_version_counts_stays_in_the_search()
    {
        // No value shows "b", but the put's version 3 says it applied: leaving it out would make this illegal.
        var result = Check(
            Op(1, 0, 10, VersionedKvInput.Append("k", "a"), VersionedKvOutput.Appended("a", 1)),
            Unknown(20, VersionedKvInput.Append("k", "b")),
            Op(2, 30, 40, VersionedKvInput.Put("k", "c"), VersionedKvOutput.Written(3)));

        Assert.True(result.IsOk, result.Description);
        Assert.DoesNotContain("left out", result.Description);
    }
}
