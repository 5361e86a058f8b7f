using Raft.Simulation.Linearizability;

namespace Raft.Tests.Linearizability;

/// <summary>
/// Generates a linearizable history by simulation: every client runs its operations one after another; each
/// operation gets a random interval [call, return] and a random linearization point inside it; the operations
/// are then applied to an in-memory store in order of their points, which produces the outputs. Intervals of
/// different clients overlap at random, so the checker has to find the order itself.
/// </summary>
internal static class RandomKvHistory
{
    public static List<Operation<KvInput, KvOutput>> Generate(int seed, int clients, int operationsPerClient, int keys)
    {
        var random = new Random(seed);
        var planned = new List<(int Client, KvInput Input, long Call, long Point, long Return)>(clients * operationsPerClient);
        for (var client = 0; client < clients; client++)
        {
            long now = random.Next(0, 100);
            for (var i = 0; i < operationsPerClient; i++)
            {
                var call = now + random.Next(0, 20);
                var point = call + random.Next(0, 60);
                var ret = point + random.Next(0, 60);
                now = ret + random.Next(1, 20);

                var key = $"k{random.Next(keys)}";
                var value = $"{client}.{i};"; // unique, so reads pin down what they saw
                var input = random.Next(4) switch
                {
                    0 or 1 => KvInput.Get(key),
                    2 => KvInput.Put(key, value),
                    _ => KvInput.Append(key, value),
                };
                planned.Add((client, input, call, point, ret));
            }
        }

        var store = new Dictionary<string, string>();
        var history = new List<Operation<KvInput, KvOutput>>(planned.Count);
        foreach (var op in planned.OrderBy(p => p.Point).ThenBy(p => p.Client))
        {
            var current = store.GetValueOrDefault(op.Input.Key, "");
            var output = KvOutput.Ack;
            switch (op.Input.Op)
            {
                case KvOp.Get:
                    output = KvOutput.Of(current);
                    break;
                case KvOp.Put:
                    store[op.Input.Key] = op.Input.Value;
                    break;
                case KvOp.Append:
                    store[op.Input.Key] = current + op.Input.Value;
                    break;
            }
            history.Add(new Operation<KvInput, KvOutput>(op.Client, op.Input, op.Call, output, op.Return));
        }
        // Hand the checker the history in call order, not in the order that reveals the answer.
        return history.OrderBy(o => o.Call).ThenBy(o => o.ClientId).ToList();
    }
}
