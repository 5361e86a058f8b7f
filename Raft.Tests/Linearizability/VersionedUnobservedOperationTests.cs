using Raft.Simulation.Linearizability;
using Xunit;
using Xunit.Abstractions;

namespace Raft.Tests.Linearizability;

/// <summary>
/// <see cref="VersionedKvModel.OperationsToSearch"/>: leaving out unknown-outcome operations that cannot matter never
/// changes a verdict, compared with the full search on small random histories.
/// </summary>
public sealed class VersionedUnobservedOperationTests(ITestOutputHelper output)
{
    private const long Never = Operation<VersionedKvInput, VersionedKvOutput>.UnknownReturn;

    [Fact]
    public void Leaving_out_unobserved_operations_never_changes_a_verdict() =>
        LeftOutComparison.AssertSameVerdicts(VersionedKvModel.Instance, UnprunedModel.Instance, RandomHistory, seed: 20261207, output);

    /// <summary>
    /// Up to 7 operations on one key (half the histories only Gets and Appends, where appends can be left out), run
    /// in a random order consistent with their intervals to get the service's answers; a third of the outcomes unknown
    /// (applied or not, a quarter of them with a known return time), and in a third of the histories one answer changed.
    /// </summary>
    private static List<Operation<VersionedKvInput, VersionedKvOutput>> RandomHistory(Random random)
    {
        string[] values = ["a", "b", "ab", "c"];
        var appendOnly = random.Next(2) == 0;
        var count = random.Next(2, 8);
        var planned = new List<(VersionedKvInput Input, long Call, long Return, long Point, bool Unknown, bool Applies)>();
        for (var i = 0; i < count; i++)
        {
            var call = (long)random.Next(0, 100);
            var ret = call + random.Next(1, 40);
            var value = values[random.Next(values.Length)];
            var input = random.Next(appendOnly ? 2 : 5) switch
            {
                0 => VersionedKvInput.Get("x"),
                1 => VersionedKvInput.Append("x", value),
                2 => VersionedKvInput.Put("x", value),
                3 => VersionedKvInput.PutIfVersion("x", value, (ulong)random.Next(0, 3)),
                _ => VersionedKvInput.Delete("x"),
            };
            var unknown = random.Next(3) == 0;
            planned.Add((input, call, unknown && random.Next(4) != 0 ? Never : ret, call + random.Next(0, (int)(ret - call) + 1), unknown, !unknown || random.Next(2) == 0));
        }

        var state = VersionedKvModel.Instance.Init();
        var answers = new Dictionary<int, VersionedKvOutput>();
        foreach (var (op, index) in planned.Select((op, index) => (op, index)).Where(p => p.op.Applies).OrderBy(p => p.op.Point))
        {
            var answer = VersionedServiceAnswers.Answer(state, op.Input);
            answers[index] = answer;
            state = VersionedKvModel.Instance.Step(state, op.Input, answer).Next;
        }
        var history = planned
            .Select((op, index) => new Operation<VersionedKvInput, VersionedKvOutput>(
                index, op.Input, op.Call, op.Unknown ? VersionedKvOutput.Unknown : answers[index], op.Return))
            .ToList();
        var known = history.FindIndex(op => !op.Output.IsUnknown);
        if (known >= 0 && random.Next(3) == 0)
        {
            var answer = history[known].Output;
            history[known] = history[known] with
            {
                Output = answer with { Version = answer.Version + 1, Value = random.Next(2) == 0 ? answer.Value : answer.Value + "a" },
            };
        }
        return history;
    }

    /// <summary>VersionedKvModel without <see cref="VersionedKvModel.OperationsToSearch"/>: the full search.</summary>
    private sealed class UnprunedModel : Model<VersionedValue, VersionedKvInput, VersionedKvOutput>
    {
        public static UnprunedModel Instance { get; } = new();

        public override VersionedValue Init() => VersionedKvModel.Instance.Init();

        public override (bool Legal, VersionedValue Next) Step(VersionedValue state, VersionedKvInput input, VersionedKvOutput output) =>
            VersionedKvModel.Instance.Step(state, input, output);
    }
}
