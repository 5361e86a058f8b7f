using Raft.Simulation.Linearizability;
using Xunit;
using Xunit.Abstractions;
using static Raft.Tests.Linearizability.KvHistory;

namespace Raft.Tests.Linearizability;

/// <summary>
/// <see cref="KvModel.OperationsToSearch"/>: unknown-outcome operations that nothing observed are left out of the
/// search, which must never change a verdict.
/// </summary>
public sealed class UnobservedOperationTests(ITestOutputHelper output)
{
    [Fact]
    public void Sixteen_unknown_appends_nobody_saw_no_longer_stall_the_search()
    {
        var history = new List<Operation<KvInput, KvOutput>> { Put(1, 0, 10, "x", "base") };
        for (var c = 0; c < 16; c++)
        {
            history.Add(Unknown(KvInput.Append("x", ((char)('A' + c)).ToString()), call: 20)); // letters not in "base" or "z"
        }
        history.Add(Get(20, 100, 110, "x", "base"));
        history.Add(Put(21, 200, 210, "x", "z"));
        history.Add(Get(22, 300, 310, "x", "z"));

        var pruned = LinearizabilityChecker.Check(KvModel.Instance, history);
        var whole = LinearizabilityChecker.Check(UnprunedKvModel.Instance, history, maxSteps: 1_000_000);

        output.WriteLine($"{pruned.Description} / without leaving out: {whole.Description}");
        Assert.Equal(CheckOutcome.Ok, pruned.Outcome);
        Assert.Contains("16 with unknown outcomes that nothing observed left out", pruned.Description);
        Assert.Equal(CheckOutcome.Unknown, whole.Outcome);
    }

    [Fact]
    public void An_unknown_append_that_a_read_observed_stays_and_explains_the_read()
    {
        // Without the unknown append, nothing could have made the read see "ab".
        var result = Check(
            Append(1, 0, 10, "x", "a"),
            Unknown(KvInput.Append("x", "b"), call: 20),
            Get(2, 30, 40, "x", "ab"));

        Assert.Equal(CheckOutcome.Ok, result.Outcome);
        Assert.DoesNotContain("left out", result.Description);
    }

    [Fact]
    public void An_unknown_output_that_returned_at_a_known_time_is_never_left_out()
    {
        // The put returned at 30 without a usable answer: it must take effect before the read at 40, which misses it.
        var result = Check(
            Put(1, 0, 10, "x", "1"),
            new Operation<KvInput, KvOutput>(2, KvInput.Put("x", "2"), 20, KvOutput.Unknown, 30),
            Get(3, 40, 50, "x", "1"));

        Assert.Equal(CheckOutcome.Illegal, result.Outcome);
        Assert.DoesNotContain("left out", result.Description);
    }

    [Fact]
    public void An_illegal_partition_says_what_was_left_out_of_its_report()
    {
        var result = Check(
            Put(1, 0, 10, "x", "1"),
            Unknown(KvInput.Append("x", "never seen"), call: 5),
            Get(2, 20, 30, "x", "2"));

        Assert.Equal(CheckOutcome.Illegal, result.Outcome);
        Assert.Contains("1 operations of this partition with unknown outcomes that nothing observed were left out", result.Description);
    }

    [Fact]
    public void An_unknown_put_seen_only_through_a_later_appends_old_value_stays()
    {
        var result = Check(
            Unknown(KvInput.Put("x", "p"), call: 0),
            new Operation<KvInput, KvOutput>(2, KvInput.Append("x", "q"), 50, KvOutput.Of("p"), 60),
            Get(3, 70, 80, "x", "pq"));

        Assert.Equal(CheckOutcome.Ok, result.Outcome);
        Assert.DoesNotContain("left out", result.Description);
    }

    /// <summary>
    /// Small random single-key histories, legal and illegal, with many unknown outcomes: the verdict with unobserved
    /// operations left out equals the full search's.
    /// </summary>
    [Fact]
    public void Leaving_out_unobserved_operations_never_changes_a_verdict() =>
        LeftOutComparison.AssertSameVerdicts(KvModel.Instance, UnprunedKvModel.Instance, RandomHistory, seed: 20261122, output);

    private static Operation<KvInput, KvOutput> Unknown(KvInput input, long call) => new(99, input, call, KvOutput.Unknown, Never);

    /// <summary>
    /// Up to 7 operations on one key, overlapping at random, values drawn from a few letters and "" (so they repeat and
    /// contain each other), reads answering a plausible value or a wrong one, a third of the outcomes unknown (a quarter
    /// of those with a known return time).
    /// </summary>
    private static List<Operation<KvInput, KvOutput>> RandomHistory(Random random)
    {
        string[] values = ["a", "b", "ab", "c", ""];
        string[] readable = ["", "a", "b", "ab", "ba", "c", "ac", "abc", "ca"];
        var history = new List<Operation<KvInput, KvOutput>>();
        var count = random.Next(2, 8);
        for (var i = 0; i < count; i++)
        {
            var call = (long)random.Next(0, 100);
            var ret = call + random.Next(1, 40);
            var input = random.Next(4) switch
            {
                0 => KvInput.Get("x"),
                1 => KvInput.Put("x", values[random.Next(values.Length)]),
                2 => KvInput.Append("x", values[random.Next(values.Length)]),
                _ => random.Next(3) == 0 ? KvInput.Delete("x") : KvInput.Append("x", values[random.Next(values.Length)]),
            };
            if (random.Next(3) == 0)
            {
                // Mostly a client that gave up (no end); sometimes an answer that came back unusable at a known time.
                history.Add(new Operation<KvInput, KvOutput>(i, input, call, KvOutput.Unknown, random.Next(4) == 0 ? ret : Never));
                continue;
            }
            var answer = input.Op switch
            {
                KvOp.Get => KvOutput.Of(readable[random.Next(readable.Length)]),
                KvOp.Append when random.Next(2) == 0 => KvOutput.Of(readable[random.Next(readable.Length)]),
                _ => KvOutput.Ack,
            };
            history.Add(new Operation<KvInput, KvOutput>(i, input, call, answer, ret));
        }
        return history;
    }

    /// <summary>KvModel without <see cref="KvModel.OperationsToSearch"/>: the full search.</summary>
    private sealed class UnprunedKvModel : Model<string, KvInput, KvOutput>
    {
        public static UnprunedKvModel Instance { get; } = new();

        public override string Init() => KvModel.Instance.Init();

        public override (bool Legal, string Next) Step(string state, KvInput input, KvOutput output) =>
            KvModel.Instance.Step(state, input, output);

        public override IReadOnlyList<HistoryPartition<KvInput, KvOutput>> Partition(IReadOnlyList<Operation<KvInput, KvOutput>> history) =>
            KvModel.Instance.Partition(history);
    }
}
