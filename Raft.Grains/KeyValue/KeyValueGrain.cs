using System.Text;
using Microsoft.Extensions.Options;
using Raft.Grains.Interfaces;
using Raft.Runtime;
using Raft.Runtime.Concurrency;
using Raft.Runtime.Serialization;

namespace Raft.Grains.KeyValue;

/// <summary>
/// The key-value service of one peer: proposes each request to its peer's log and answers with the outcome
/// the state machine produced when the entry was applied. Reads go through the log too, so every answer is
/// linearizable. Requests that cannot be committed in time answer Timeout: the client retries with the same
/// sequence number and the session makes sure the request applies at most once.
/// Requests are proposed in batches: the first goes to the peer at once, and those that arrive while a proposal call
/// is in flight go together in the next one (one grain call and one append for many requests under load).
/// </summary>
[Reentrant]
public sealed class KeyValueGrain : Grain, IKeyValueGrain
{
    private readonly KvStateMachineFactory machines;
    private readonly KeyValueOptions options;
    private readonly WireSerializer serializer = new();
    private readonly IRaftPeerGrain peer;
    private readonly TimeProvider time;
    private List<(byte[] Command, TaskCompletionSource<StartResult> Started)> queued = new();
    private bool proposing;

    public KeyValueGrain(KvStateMachineFactory machines, IOptions<KeyValueOptions> options, TimeProvider time)
    {
        this.machines = machines;
        this.options = options.Value;
        this.time = time;
        peer = GrainFactory.GetGrain<IRaftPeerGrain>(this.GetPrimaryKeyString());
    }

    public async Task<KvResponse> Execute(KvRequest request)
    {
        if (Validate(request.Operation) is { } invalid)
        {
            return invalid;
        }
        var machine = machines.Find(this.GetPrimaryKeyString());
        if (machine is null)
        {
            await peer.Wake();
            machine = machines.Find(this.GetPrimaryKeyString());
            if (machine is null)
            {
                return KvResponse.Of(KvStatus.Timeout);
            }
        }
        var command = new KvCommand(request.ClientId, request.Sequence, request.Operation);
        var start = await ProposeAsync(serializer.SerializeToArray(command));
        if (!start.IsLeader)
        {
            return KvResponse.Of(KvStatus.WrongLeader, start.LeaderHint);
        }
        var applied = await WaitWithTimeout(machine.WaitForIndex(start.Index));
        if (applied is null)
        {
            return KvResponse.Of(KvStatus.Timeout);
        }
        // Another leader's entry took the index: this request was not committed there.
        return applied.Command == command ? applied.Response : KvResponse.Of(KvStatus.WrongLeader);
    }

    private Task<StartResult> ProposeAsync(byte[] command)
    {
        var started = new TaskCompletionSource<StartResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        queued.Add((command, started));
        if (!proposing)
        {
            proposing = true;
            _ = ProposeQueuedAsync();
        }
        return started.Task;
    }

    /// <summary>Runs in this grain's turns (its continuations come back to the activation), so the queue needs no lock.</summary>
    private async Task ProposeQueuedAsync()
    {
        try
        {
            while (queued.Count > 0)
            {
                var batch = queued;
                queued = new List<(byte[], TaskCompletionSource<StartResult>)>();
                var commands = new byte[batch.Count][];
                for (var i = 0; i < batch.Count; i++)
                {
                    commands[i] = batch[i].Command;
                }
                try
                {
                    var first = await peer.Propose(commands);
                    for (var i = 0; i < batch.Count; i++)
                    {
                        // Consecutive indexes from the first (a refusal answers every request of the batch alike).
                        batch[i].Started.TrySetResult(first.IsLeader && i > 0 ? first with { Index = first.Index + i } : first);
                    }
                }
                catch (Exception exception)
                {
                    foreach (var (_, started) in batch)
                    {
                        started.TrySetException(exception);
                    }
                }
            }
        }
        finally
        {
            proposing = false;
        }
    }

    private async Task<AppliedCommand?> WaitWithTimeout(Task<AppliedCommand?> applied)
    {
        try
        {
            return await applied.WaitAsync(options.CommitTimeout, time);
        }
        catch (TimeoutException)
        {
            return null;
        }
    }

    private KvResponse? Validate(KvOperation operation)
    {
        var (key, value) = operation switch
        {
            KvGet get => (get.Key, null),
            KvPut put => (put.Key, put.Value),
            KvAppend append => (append.Key, append.Value),
            KvDelete delete => (delete.Key, null),
            KvPutIfVersion cas => (cas.Key, cas.Value),
            _ => ((string?)null, (string?)null),
        };
        if (key is not null && Encoding.UTF8.GetByteCount(key) > options.MaxKeyBytes)
        {
            return KvResponse.Of(KvStatus.TooLarge);
        }
        if (value is not null && Encoding.UTF8.GetByteCount(value) > options.MaxValueBytes)
        {
            return KvResponse.Of(KvStatus.TooLarge);
        }
        return null;
    }
}
