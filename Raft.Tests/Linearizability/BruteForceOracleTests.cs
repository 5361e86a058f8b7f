using Raft.Simulation.Linearizability;
using Xunit;
using Xunit.Abstractions;

namespace Raft.Tests.Linearizability;

/// <summary>
/// The checker (partitioning, leaving out unobserved operations, the WGL search with its cache) against an independent
/// oracle, <see cref="BruteForceLinearization"/>, on thousands of small random single-key histories of both models:
/// every operation kind, unknown outcomes with and without a return time, zero-length operations and many tied
/// timestamps (times drawn from a narrow range). Review finding 17: the other differential tests compare the engine
/// with itself.
/// </summary>
public sealed class BruteForceOracleTests(ITestOutputHelper output)
{
    private const int Histories = 4000;
    private const long Never = Operation<KvInput, KvOutput>.UnknownReturn;

    [Fact]
    public void The_checker_agrees_with_brute_force_on_random_key_value_histories() =>
        AssertAgreement(KvModel.Instance, RandomKvHistory, seed: 17_2026_12_07);

    [Fact]
    public void The_checker_agrees_with_brute_force_on_random_versioned_histories() =>
        AssertAgreement(VersionedKvModel.Instance, RandomVersionedHistory, seed: 17_2026_12_08);

    private void AssertAgreement<TState, TInput, TOutput>(
        Model<TState, TInput, TOutput> model, Func<Random, List<Operation<TInput, TOutput>>> nextHistory, int seed)
    {
        var random = new Random(seed);
        int ok = 0, illegal = 0, tied = 0;
        for (var i = 0; i < Histories; i++)
        {
            var history = nextHistory(random);
            var verdict = LinearizabilityChecker.Check(model, history, LinearizabilityChecker.UnlimitedSteps).Outcome;
            var expected = BruteForceLinearization.Exists(model, history) ? CheckOutcome.Ok : CheckOutcome.Illegal;
            Assert.True(verdict == expected,
                $"history {i}: the checker says {verdict}, brute force {expected}:{Environment.NewLine}{string.Join(Environment.NewLine, history)}");
            _ = expected == CheckOutcome.Ok ? ok++ : illegal++;
            tied += HasTie(history) ? 1 : 0;
        }
        output.WriteLine($"{Histories} histories: ok {ok}, illegal {illegal}, with a return tied to another operation's call {tied}");
        // Otherwise the comparison shows little: both verdicts, and ties, must come up often.
        Assert.True(ok > Histories / 5, $"only {ok} linearizable histories");
        Assert.True(illegal > Histories / 10, $"only {illegal} illegal histories");
        Assert.True(tied > Histories / 5, $"only {tied} histories with a tie");
    }

    private static bool HasTie<TInput, TOutput>(List<Operation<TInput, TOutput>> history) =>
        history.Any(a => history.Any(b => !ReferenceEquals(a, b) && a.Return == b.Call));

    /// <summary>
    /// One to seven operations on one key at times 0..12 (length 0..5, so ties are common), answered as the service
    /// would in a random order consistent with their intervals; a third of the outcomes unknown (a quarter of those with
    /// a return time; half of them applied); in two thirds of the histories one known answer is then replaced by a random one.
    /// </summary>
    private static List<Operation<KvInput, KvOutput>> RandomKvHistory(Random random)
    {
        string[] values = ["a", "b", "ab", ""];
        string[] readable = ["", "a", "b", "ab", "ba", "aa", "bab"];
        var planned = Plan(random, () => random.Next(4) switch
        {
            0 => KvInput.Get("x"),
            1 => KvInput.Put("x", values[random.Next(values.Length)]),
            2 => KvInput.Append("x", values[random.Next(values.Length)]),
            _ => KvInput.Delete("x"),
        });
        var withOldValue = planned.Select(_ => random.Next(2) == 0).ToArray();
        var answers = Answer(planned, KvModel.Instance, (state, input, i) => input.Op switch
        {
            KvOp.Get => KvOutput.Of(state),
            KvOp.Append when withOldValue[i] => KvOutput.Of(state),
            _ => KvOutput.Ack,
        });
        var history = Record(planned, answers, KvOutput.Unknown);
        // A Put's or Delete's bare acknowledgement cannot be wrong; an Append's may claim an old value.
        Corrupt(random, history, output => output.IsUnknown ? null : KvOutput.Of(readable[random.Next(readable.Length)]));
        return history;
    }

    /// <summary>As <see cref="RandomKvHistory"/>, with the versioned operations: conditional puts at versions 0..2 too.</summary>
    private static List<Operation<VersionedKvInput, VersionedKvOutput>> RandomVersionedHistory(Random random)
    {
        string[] values = ["a", "b", "ab"];
        var planned = Plan(random, () => random.Next(5) switch
        {
            0 => VersionedKvInput.Get("x"),
            1 => VersionedKvInput.Append("x", values[random.Next(values.Length)]),
            2 => VersionedKvInput.Put("x", values[random.Next(values.Length)]),
            3 => VersionedKvInput.PutIfVersion("x", values[random.Next(values.Length)], (ulong)random.Next(0, 3)),
            _ => VersionedKvInput.Delete("x"),
        });
        var answers = Answer(planned, VersionedKvModel.Instance, (state, input, _) => VersionedServiceAnswers.Answer(state, input));
        var history = Record(planned, answers, VersionedKvOutput.Unknown);
        Corrupt(random, history, output => output.IsUnknown ? null : random.Next(3) switch
        {
            0 => output with { Version = (ulong)random.Next(0, 4) },
            1 => output with { Value = values[random.Next(values.Length)] },
            _ => VersionedKvOutput.Reply(random.Next(2) == 0 ? VersionedKvErr.ErrMaybe : VersionedKvErr.ErrNoKey),
        });
        return history;
    }

    private static bool IsBareAcknowledgement<TInput, TOutput>(Operation<TInput, TOutput> op) =>
        op.Input is KvInput { Op: KvOp.Put or KvOp.Delete };

    private sealed record Planned<TInput>(TInput Input, long Call, long Return, long Point, bool Unknown, bool Applies);

    private static List<Planned<TInput>> Plan<TInput>(Random random, Func<TInput> nextInput)
    {
        var count = random.Next(1, 8);
        var planned = new List<Planned<TInput>>();
        for (var i = 0; i < count; i++)
        {
            var call = (long)random.Next(0, 13);
            var ret = call + random.Next(0, 6);
            var unknown = random.Next(3) == 0;
            var point = call + random.Next(0, (int)(ret - call) + 1);
            planned.Add(new Planned<TInput>(nextInput(), call, unknown && random.Next(4) != 0 ? Never : ret, point, unknown, !unknown || random.Next(2) == 0));
        }
        return planned;
    }

    /// <summary>The answers of the operations that apply, each at its point (ties in a random but fixed order).</summary>
    private static Dictionary<int, TOutput> Answer<TState, TInput, TOutput>(
        List<Planned<TInput>> planned, Model<TState, TInput, TOutput> model, Func<TState, TInput, int, TOutput> answer)
    {
        var state = model.Init();
        var answers = new Dictionary<int, TOutput>();
        foreach (var (op, i) in planned.Select((op, i) => (op, i)).Where(p => p.op.Applies).OrderBy(p => p.op.Point).ThenBy(p => p.i))
        {
            answers[i] = answer(state, op.Input, i);
            state = model.Step(state, op.Input, answers[i]).Next;
        }
        return answers;
    }

    private static List<Operation<TInput, TOutput>> Record<TInput, TOutput>(List<Planned<TInput>> planned, Dictionary<int, TOutput> answers, TOutput unknown) =>
        planned.Select((op, i) => new Operation<TInput, TOutput>(i, op.Input, op.Call, op.Unknown ? unknown : answers[i], op.Return)).ToList();

    /// <summary>In two thirds of the histories, one answer replaced (when <paramref name="replace"/> gives one for it).</summary>
    private static void Corrupt<TInput, TOutput>(Random random, List<Operation<TInput, TOutput>> history, Func<TOutput, TOutput?> replace)
        where TOutput : class
    {
        if (random.Next(3) == 0)
        {
            return;
        }
        var i = random.Next(history.Count);
        if (IsBareAcknowledgement(history[i]))
        {
            return;
        }
        if (replace(history[i].Output) is { } replaced)
        {
            history[i] = history[i] with { Output = replaced };
        }
    }
}
