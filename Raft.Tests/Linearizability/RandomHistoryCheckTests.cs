using Raft.Simulation.Linearizability;
using Xunit;
using Xunit.Abstractions;

namespace Raft.Tests.Linearizability;

public sealed class RandomHistoryCheckTests(ITestOutputHelper output)
{
    private const int Clients = 20;
    private const int OperationsPerClient = 200;
    private const int Keys = 5;

    [Fact]
    public void A_large_history_from_a_linearizable_store_checks_ok_within_seconds()
    {
        var history = RandomKvHistory.Generate(seed: 6824, Clients, OperationsPerClient, Keys);

        var result = LinearizabilityChecker.Check(KvModel.Instance, history);

        output.WriteLine($"{history.Count} operations: {result.Outcome} in {result.Elapsed.TotalMilliseconds:F0} ms");
        Assert.True(result.IsOk, result.Description);
        Assert.Equal(Keys, result.PartitionCount);
        Assert.True(result.Elapsed < TimeSpan.FromSeconds(10), $"took {result.Elapsed}");
    }

    [Theory]
    [InlineData(6824)]
    [InlineData(1)]
    [InlineData(2)]
    public void The_same_history_with_one_read_corrupted_is_illegal_and_names_its_key(int seed)
    {
        var history = RandomKvHistory.Generate(seed, Clients, OperationsPerClient, Keys);
        var index = history.FindIndex(history.Count / 2, op => op.Input.Op == KvOp.Get);
        var corrupted = history[index] with { Output = KvOutput.Of("never-written") };
        history[index] = corrupted;

        var result = LinearizabilityChecker.Check(KvModel.Instance, history);

        output.WriteLine($"{result.Outcome} in {result.Elapsed.TotalMilliseconds:F0} ms\n{result.Description}");
        Assert.Equal(CheckOutcome.Illegal, result.Outcome);
        Assert.Equal(corrupted.Input.Key, result.PartitionKey);
        Assert.Contains(corrupted, result.StuckOperations);
        Assert.Contains("\"never-written\"", result.Description);
    }

    [Fact]
    public void A_stale_read_in_a_large_history_is_illegal()
    {
        // Subtler than an invented value: a read returns the value its key had two writes earlier.
        var history = RandomKvHistory.Generate(seed: 7, Clients, OperationsPerClient, Keys);
        var (index, stale) = FindStaleValue(history);
        history[index] = history[index] with { Output = KvOutput.Of(stale) };

        var result = LinearizabilityChecker.Check(KvModel.Instance, history);

        output.WriteLine($"{result.Outcome} in {result.Elapsed.TotalMilliseconds:F0} ms");
        Assert.Equal(CheckOutcome.Illegal, result.Outcome);
        Assert.Equal(history[index].Input.Key, result.PartitionKey);
    }

    /// <summary>A Get (from the second half) and a value its key held before the value it read, distinct from it.</summary>
    private static (int Index, string Stale) FindStaleValue(List<Operation<KvInput, KvOutput>> history)
    {
        for (var i = history.Count / 2; i < history.Count; i++)
        {
            var read = history[i];
            if (read.Input.Op != KvOp.Get)
            {
                continue;
            }
            // A put on the same key, then a write called after it returned, both complete before the read's call:
            // by then the put's value is overwritten, and values are unique, so no later state equals it.
            var puts = history
                .Where(o => o.Input.Op == KvOp.Put && o.Input.Key == read.Input.Key && o.Return < read.Call)
                .OrderBy(o => o.Return)
                .ToList();
            for (var p = 0; p < puts.Count; p++)
            {
                var later = history.Any(o =>
                    o.Input.Key == read.Input.Key && o.Input.Op is KvOp.Put or KvOp.Append &&
                    o.Call > puts[p].Return && o.Return < read.Call);
                if (later && puts[p].Input.Value != read.Output.Value)
                {
                    return (i, puts[p].Input.Value);
                }
            }
        }
        throw new InvalidOperationException("No suitable read in the generated history.");
    }
}
