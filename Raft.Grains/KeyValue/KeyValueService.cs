using System.Text;
using Raft.Grains.Interfaces;

namespace Raft.Grains.KeyValue;

/// <summary>
/// The key-value service of one peer, independent of what hosts it: proposes each request to its peer's log and
/// answers with the outcome the state machine produced when the entry was applied. Reads go through the log too, so
/// every answer is linearizable. Requests that cannot be committed in time answer Timeout: the client retries with the
/// same sequence number and the session makes sure the request applies at most once.
/// Requests are proposed in batches: the first goes to the peer at once, and those that arrive while a proposal is in
/// flight go together in the next one (one call and one append for many requests under load). Like the peer driver it
/// runs one turn at a time, interleaving only at awaits, so its queue needs no lock.
/// </summary>
public sealed class KeyValueService
{
    private readonly string peerId;
    private readonly KvStateMachineFactory machines;
    private readonly KeyValueOptions options;
    private readonly TimeProvider time;
    private readonly Func<byte[][], Task<StartResult>> propose;
    private readonly Func<Task> wakePeer;
    private readonly KvCodec serializer = KvCodec.Shared;
    private List<(byte[] Command, TaskCompletionSource<StartResult> Started)> queued = new();
    private bool proposing;

    /// <param name="propose">Proposes commands to the peer's log (<see cref="RaftPeer.Propose"/>).</param>
    /// <param name="wakePeer">Activates the peer, so that its state machine exists.</param>
    public KeyValueService(
        string peerId, KvStateMachineFactory machines, KeyValueOptions options, TimeProvider time,
        Func<byte[][], Task<StartResult>> propose, Func<Task> wakePeer)
    {
        this.peerId = peerId;
        this.machines = machines;
        this.options = options;
        this.time = time;
        this.propose = propose;
        this.wakePeer = wakePeer;
    }

    public async Task<KvResponse> Execute(KvRequest request)
    {
        if (Validate(request.Operation) is { } invalid)
        {
            return invalid;
        }
        var machine = machines.Find(peerId);
        if (machine is null)
        {
            await wakePeer();
            machine = machines.Find(peerId);
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
                    var first = await propose(commands);
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
