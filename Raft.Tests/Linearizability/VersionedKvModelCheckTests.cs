using Raft.Simulation.Linearizability;
using Xunit;

namespace Raft.Tests.Linearizability;

public sealed class VersionedKvModelCheckTests
{
    private const long Never = Operation<VersionedKvInput, VersionedKvOutput>.UnknownReturn;

    private static Operation<VersionedKvInput, VersionedKvOutput> Get(int client, long call, long ret, string key, string value, ulong version) =>
        new(client, VersionedKvInput.Get(key), call, VersionedKvOutput.Found(value, version), ret);

    private static Operation<VersionedKvInput, VersionedKvOutput> GetNoKey(int client, long call, long ret, string key) =>
        new(client, VersionedKvInput.Get(key), call, VersionedKvOutput.NoKey, ret);

    private static Operation<VersionedKvInput, VersionedKvOutput> Put(int client, long call, long ret, string key, string value, ulong version, VersionedKvErr err) =>
        new(client, VersionedKvInput.PutIfVersion(key, value, version), call, VersionedKvOutput.Reply(err), ret);

    private static CheckResult<VersionedKvInput, VersionedKvOutput> Check(params Operation<VersionedKvInput, VersionedKvOutput>[] history) =>
        LinearizabilityChecker.Check(VersionedKvModel.Instance, history);

    [Fact]
    public void A_sequential_history_following_the_lab_rules_is_linearizable()
    {
        var result = Check(
            GetNoKey(1, 0, 10, "k"),
            Put(1, 20, 30, "k", "a", 0, VersionedKvErr.Ok),
            Get(2, 40, 50, "k", "a", 1),
            Put(2, 60, 70, "k", "b", 1, VersionedKvErr.Ok),
            Get(1, 80, 90, "k", "b", 2),
            Put(1, 100, 110, "k", "c", 1, VersionedKvErr.ErrVersion),
            Put(1, 120, 130, "k", "c", 0, VersionedKvErr.ErrVersion),
            Put(1, 140, 150, "other", "x", 3, VersionedKvErr.ErrNoKey),
            Get(2, 160, 170, "k", "b", 2),
            GetNoKey(2, 180, 190, "other"));

        Assert.Equal(CheckOutcome.Ok, result.Outcome);
        Assert.Equal(2, result.PartitionCount);
    }

    [Theory]
    [InlineData(VersionedKvErr.Ok, true)]          // a put with the current version applies
    [InlineData(VersionedKvErr.ErrVersion, false)] // and may not report a conflict
    [InlineData(VersionedKvErr.ErrNoKey, false)]   // nor a missing key
    [InlineData(VersionedKvErr.ErrMaybe, true)]    // a retransmission may still say "maybe"
    public void A_put_with_the_current_version_must_succeed(VersionedKvErr reply, bool legal)
    {
        var result = Check(
            Put(1, 0, 10, "k", "a", 0, VersionedKvErr.Ok),
            Put(1, 20, 30, "k", "b", 1, reply));

        Assert.Equal(legal ? CheckOutcome.Ok : CheckOutcome.Illegal, result.Outcome);
    }

    [Fact]
    public void Of_two_concurrent_puts_at_the_same_version_one_wins_and_the_other_conflicts()
    {
        var result = Check(
            Put(1, 0, 100, "k", "a", 0, VersionedKvErr.Ok),
            Put(2, 0, 100, "k", "b", 0, VersionedKvErr.ErrVersion),
            Get(3, 150, 160, "k", "a", 1));

        Assert.Equal(CheckOutcome.Ok, result.Outcome);
    }

    [Fact]
    public void Two_concurrent_puts_at_the_same_version_cannot_both_succeed()
    {
        var result = Check(
            Put(1, 0, 100, "k", "a", 0, VersionedKvErr.Ok),
            Put(2, 0, 100, "k", "b", 0, VersionedKvErr.Ok));

        Assert.Equal(CheckOutcome.Illegal, result.Outcome);
        Assert.Equal("k", result.PartitionKey);
    }

    [Fact]
    public void A_read_must_not_see_the_losing_puts_value()
    {
        var result = Check(
            Put(1, 0, 100, "k", "a", 0, VersionedKvErr.Ok),
            Put(2, 0, 100, "k", "b", 0, VersionedKvErr.ErrVersion),
            Get(3, 150, 160, "k", "b", 1));

        Assert.Equal(CheckOutcome.Illegal, result.Outcome);
    }

    [Fact]
    public void A_read_must_report_the_current_version()
    {
        var result = Check(
            Put(1, 0, 10, "k", "a", 0, VersionedKvErr.Ok),
            Get(2, 20, 30, "k", "a", 2));

        Assert.Equal(CheckOutcome.Illegal, result.Outcome);
    }

    [Fact]
    public void A_put_with_a_version_to_a_missing_key_answers_ErrNoKey()
    {
        Assert.Equal(CheckOutcome.Ok, Check(Put(1, 0, 10, "k", "a", 1, VersionedKvErr.ErrNoKey)).Outcome);
        Assert.Equal(CheckOutcome.Illegal, Check(Put(1, 0, 10, "k", "a", 1, VersionedKvErr.ErrVersion)).Outcome);
        Assert.Equal(CheckOutcome.Illegal, Check(Put(1, 0, 10, "k", "a", 1, VersionedKvErr.Ok)).Outcome);
    }

    [Fact]
    public void An_ErrMaybe_put_that_applied_is_linearizable()
    {
        var result = Check(
            Put(1, 0, 100, "k", "a", 0, VersionedKvErr.ErrMaybe),
            Get(2, 150, 160, "k", "a", 1));

        Assert.Equal(CheckOutcome.Ok, result.Outcome);
    }

    [Fact]
    public void An_ErrMaybe_put_that_did_not_apply_is_linearizable()
    {
        // Client 2's put won the version; client 1's retransmission met ErrVersion.
        var result = Check(
            Put(1, 0, 100, "k", "a", 0, VersionedKvErr.ErrMaybe),
            Put(2, 10, 20, "k", "b", 0, VersionedKvErr.Ok),
            Get(3, 150, 160, "k", "b", 1));

        Assert.Equal(CheckOutcome.Ok, result.Outcome);
    }

    [Fact]
    public void An_ErrMaybe_put_that_did_not_apply_to_an_existing_key_is_linearizable()
    {
        var result = Check(
            Put(1, 0, 10, "k", "a", 0, VersionedKvErr.Ok),
            Put(2, 20, 100, "k", "mine", 1, VersionedKvErr.ErrMaybe),
            Put(3, 30, 40, "k", "theirs", 1, VersionedKvErr.Ok),
            Get(4, 150, 160, "k", "theirs", 2));

        Assert.Equal(CheckOutcome.Ok, result.Outcome);
    }

    [Fact]
    public void An_ErrMaybe_put_still_cannot_apply_twice_or_out_of_order()
    {
        var result = Check(
            Put(1, 0, 100, "k", "a", 0, VersionedKvErr.ErrMaybe),
            Get(2, 150, 160, "k", "a", 2));

        Assert.Equal(CheckOutcome.Illegal, result.Outcome);
    }

    [Fact]
    public void An_unknown_outcome_put_that_took_effect_is_linearizable()
    {
        var result = Check(
            new Operation<VersionedKvInput, VersionedKvOutput>(1, VersionedKvInput.PutIfVersion("k", "a", 0), 0, VersionedKvOutput.Unknown, Never),
            Get(2, 500, 510, "k", "a", 1));

        Assert.Equal(CheckOutcome.Ok, result.Outcome);
    }

    [Fact]
    public void An_unknown_outcome_put_that_never_took_effect_is_linearizable()
    {
        var result = Check(
            new Operation<VersionedKvInput, VersionedKvOutput>(1, VersionedKvInput.PutIfVersion("k", "a", 0), 0, VersionedKvOutput.Unknown, Never),
            GetNoKey(2, 500, 510, "k"),
            GetNoKey(2, 600, 610, "k"));

        Assert.Equal(CheckOutcome.Ok, result.Outcome);
    }

    [Fact]
    public void The_report_describes_versions()
    {
        var result = Check(
            Put(1, 0, 10, "k", "a", 0, VersionedKvErr.Ok),
            GetNoKey(2, 20, 30, "k"));

        Assert.Equal(CheckOutcome.Illegal, result.Outcome);
        Assert.Contains("PutIfVersion(\"k\", \"a\", v0) -> Ok", result.Description);
        Assert.Contains("Get(\"k\") -> ErrNoKey", result.Description);
        Assert.Contains("illegal in state \"a\" v1", result.Description);
    }
}
