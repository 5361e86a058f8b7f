using Raft.Simulation.Linearizability;
using Xunit;

namespace Raft.Tests.Linearizability;

public sealed class HistoryRecorderTests
{
    private sealed class ManualClock : TimeProvider
    {
        private long _now;

        public override long TimestampFrequency => 1_000_000_000;

        public override long GetTimestamp() => Interlocked.Read(ref _now);

        public void Advance(long ticks) => Interlocked.Add(ref _now, ticks);
    }

    [Fact]
    public void Begin_and_end_stamp_the_call_and_return_from_the_clock()
    {
        var clock = new ManualClock();
        var recorder = new HistoryRecorder<KvInput, KvOutput>(KvOutput.Unknown, clock);

        clock.Advance(100);
        var op = recorder.Begin(7, KvInput.Get("x"));
        clock.Advance(50);
        var recorded = recorder.End(op, KvOutput.Of("v"));

        Assert.Equal(new Operation<KvInput, KvOutput>(7, KvInput.Get("x"), 100, KvOutput.Of("v"), 150), recorded);
        Assert.Equal([recorded], recorder.GetHistory());
        Assert.Equal(1, recorder.Count);
    }

    [Fact]
    public void End_unknown_records_an_unbounded_interval_with_the_unknown_output()
    {
        var clock = new ManualClock();
        var recorder = new HistoryRecorder<KvInput, KvOutput>(KvOutput.Unknown, clock);
        clock.Advance(10);
        var op = recorder.Begin(1, KvInput.Put("x", "1"));
        clock.Advance(10);

        var recorded = recorder.EndUnknown(op);

        Assert.Equal(10, recorded.Call);
        Assert.Equal(long.MaxValue, recorded.Return);
        Assert.True(recorded.HasUnknownReturn);
        Assert.Same(KvOutput.Unknown, recorded.Output);
    }

    [Fact]
    public void An_operation_can_be_ended_only_once_and_only_by_its_recorder()
    {
        var recorder = new HistoryRecorder<KvInput, KvOutput>(KvOutput.Unknown, new ManualClock());
        var other = new HistoryRecorder<KvInput, KvOutput>(KvOutput.Unknown, new ManualClock());
        var op = recorder.Begin(1, KvInput.Get("x"));

        Assert.Throws<ArgumentException>(() => other.End(op, KvOutput.Of("")));
        recorder.End(op, KvOutput.Of(""));
        Assert.Throws<InvalidOperationException>(() => recorder.End(op, KvOutput.Of("")));
        Assert.Throws<InvalidOperationException>(() => recorder.EndUnknown(op));
        Assert.Equal(1, recorder.Count);
    }

    [Fact]
    public void Pending_operations_are_recorded_as_unknown_unless_omitted()
    {
        var clock = new ManualClock();
        var recorder = new HistoryRecorder<KvInput, KvOutput>(KvOutput.Unknown, clock);
        var done = recorder.Begin(1, KvInput.Put("x", "1"));
        clock.Advance(5);
        recorder.Begin(2, KvInput.Put("x", "2"));
        clock.Advance(5);
        recorder.End(done, KvOutput.Ack);

        var withPending = recorder.GetHistory();
        var without = recorder.GetHistory(PendingOperations.Omit);

        Assert.Equal(2, withPending.Count);
        Assert.Equal(new Operation<KvInput, KvOutput>(2, KvInput.Put("x", "2"), 5, KvOutput.Unknown, long.MaxValue), withPending[1]);
        Assert.Single(without);
        Assert.Equal(1, recorder.Count);
    }

    [Fact]
    public async Task Concurrent_clients_of_a_locked_store_produce_a_linearizable_history()
    {
        var recorder = new HistoryRecorder<KvInput, KvOutput>(KvOutput.Unknown);
        var store = new Dictionary<string, string>();
        var gate = new Lock();

        async Task Client(int id)
        {
            var random = new Random(id);
            for (var i = 0; i < 150; i++)
            {
                var key = $"k{random.Next(3)}";
                var input = random.Next(3) switch
                {
                    0 => KvInput.Get(key),
                    1 => KvInput.Put(key, $"{id}.{i};"),
                    _ => KvInput.Append(key, $"{id}.{i};"),
                };
                var op = recorder.Begin(id, input);
                await Task.Yield();
                KvOutput output;
                lock (gate)
                {
                    var current = store.GetValueOrDefault(key, "");
                    output = input.Op switch
                    {
                        KvOp.Get => KvOutput.Of(current),
                        _ => KvOutput.Ack,
                    };
                    if (input.Op == KvOp.Put)
                    {
                        store[key] = input.Value;
                    }
                    else if (input.Op == KvOp.Append)
                    {
                        store[key] = current + input.Value;
                    }
                }
                if (i % 50 == 49)
                {
                    recorder.EndUnknown(op); // as if the reply was lost; the write did happen
                }
                else
                {
                    recorder.End(op, output);
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, 8).Select(id => Task.Run(() => Client(id))));
        var history = recorder.GetHistory();
        var result = LinearizabilityChecker.Check(KvModel.Instance, history);

        Assert.Equal(8 * 150, history.Count);
        Assert.True(result.IsOk, result.Description);
    }
}
