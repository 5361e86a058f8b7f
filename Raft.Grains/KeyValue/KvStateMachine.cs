using Microsoft.Extensions.Logging;
using Raft.Grains.Interfaces;

namespace Raft.Grains.KeyValue;

/// <summary>
/// The key-value service's side of the apply channel for one peer activation: applies committed commands to
/// the <see cref="KvStore"/>, wakes the request waiting for each index, and snapshots when the persisted Raft
/// state grows past the configured size.
/// </summary>
public sealed class KvStateMachine : IRaftStateMachine
{
    private readonly object gate = new();
    // A request may be applied before its proposer starts waiting for it; the recent outcomes cover that gap.
    private const int RecentCapacity = 4096;
    private readonly Dictionary<long, TaskCompletionSource<AppliedCommand>> waiters = new();
    private readonly Dictionary<long, AppliedCommand> recent = new();
    private readonly Queue<long> recentOrder = new();
    private readonly KvStore store;
    private readonly KeyValueOptions options;
    private readonly KvCodec serializer;
    private readonly ILogger logger;
    private long lastApplied;
    private bool closed;

    public KvStateMachine(string peerId, KeyValueOptions options, KvCodec serializer, ILogger logger)
    {
        PeerId = peerId;
        this.options = options;
        this.serializer = serializer;
        this.logger = logger;
        store = new KvStore(options.MaxSessions);
    }

    public string PeerId { get; }

    public long LastApplied
    {
        get
        {
            lock (gate)
            {
                return lastApplied;
            }
        }
    }

    public Task ApplyAsync(ApplyMsg message, IRaftPeerControl peer)
    {
        if (message.SnapshotValid)
        {
            RestoreSnapshot(message);
            return Task.CompletedTask;
        }
        return ApplyBatchAsync([message], peer);
    }

    /// <summary>
    /// Applies a run of committed entries under one lock, then wakes their requests (each answer is ready before any
    /// is sent), then snapshots once for the batch if the persisted Raft state is over the limit.
    /// </summary>
    public Task ApplyBatchAsync(IReadOnlyList<ApplyMsg> messages, IRaftPeerControl peer)
    {
        var done = new (TaskCompletionSource<AppliedCommand>? Waiter, AppliedCommand? Applied)[messages.Count];
        var lastIndex = 0L;
        lock (gate)
        {
            for (var i = 0; i < messages.Count; i++)
            {
                var message = messages[i];
                if (message.SnapshotValid || !message.CommandValid || message.Command is null)
                {
                    continue;
                }
                lastIndex = message.CommandIndex;
                AppliedCommand? applied = null;
                try
                {
                    var command = serializer.Deserialize<KvCommand>(message.Command);
                    applied = new AppliedCommand(command, store.Apply(command, message.CommandIndex));
                }
                catch (KvCodecException exception)
                {
                    // Not a key-value command (written by another service or corrupted): skip it on every replica alike.
                    logger.LogError(exception, "Peer {Peer} skipped undecodable command at index {Index}", PeerId, message.CommandIndex);
                }
                lastApplied = message.CommandIndex;
                done[i] = (TakeWaiter(message.CommandIndex, applied), applied);
            }
        }
        foreach (var (waiter, applied) in done)
        {
            if (applied is null)
            {
                waiter?.TrySetCanceled();
            }
            else
            {
                waiter?.TrySetResult(applied);
            }
        }
        if (lastIndex > 0 && options.MaxRaftStateBytes > 0 && peer.PersistedSize > options.MaxRaftStateBytes)
        {
            byte[] snapshot;
            lock (gate)
            {
                snapshot = serializer.SerializeToArray(store.ToSnapshot(lastIndex));
            }
            return peer.SnapshotAsync(lastIndex, snapshot);
        }
        return Task.CompletedTask;
    }

    /// <summary>
    /// Waits until the entry at <paramref name="index"/> is applied and returns what was applied there, or
    /// null when something else (a snapshot past it, a closed peer) means this replica cannot tell.
    /// </summary>
    public async Task<AppliedCommand?> WaitForIndex(long index)
    {
        TaskCompletionSource<AppliedCommand>? waiter;
        lock (gate)
        {
            if (recent.TryGetValue(index, out var done))
            {
                return done;
            }
            if (closed || index <= lastApplied)
            {
                return null;
            }
            if (!waiters.TryGetValue(index, out waiter))
            {
                waiter = new TaskCompletionSource<AppliedCommand>(TaskCreationOptions.RunContinuationsAsynchronously);
                waiters[index] = waiter;
            }
        }
        try
        {
            return await waiter.Task;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>A read of the local replica, for status and tests (not linearizable).</summary>
    public (string Value, long Version)? ReadLocal(string key)
    {
        lock (gate)
        {
            return store.Read(key);
        }
    }

    /// <summary>The peer activation went away: nobody will apply more here.</summary>
    public void Close()
    {
        List<TaskCompletionSource<AppliedCommand>> pending;
        lock (gate)
        {
            closed = true;
            pending = waiters.Values.ToList();
            waiters.Clear();
        }
        foreach (var waiter in pending)
        {
            waiter.TrySetCanceled();
        }
    }

    private void RestoreSnapshot(ApplyMsg message)
    {
        var snapshot = message.Snapshot is { Length: > 0 } bytes ? serializer.Deserialize<KvSnapshot>(bytes) : new KvSnapshot([], [], 0);
        List<TaskCompletionSource<AppliedCommand>> skipped;
        lock (gate)
        {
            store.Restore(snapshot);
            lastApplied = message.SnapshotIndex;
            skipped = waiters.Where(w => w.Key <= message.SnapshotIndex).Select(w => w.Value).ToList();
            foreach (var index in waiters.Keys.Where(i => i <= message.SnapshotIndex).ToList())
            {
                waiters.Remove(index);
            }
        }
        foreach (var waiter in skipped)
        {
            waiter.TrySetCanceled();
        }
    }

    // Caller holds gate: the request waiting for this index (if any), and the outcome kept for one that comes later.
    private TaskCompletionSource<AppliedCommand>? TakeWaiter(long index, AppliedCommand? applied)
    {
        waiters.Remove(index, out var waiter);
        if (applied is not null)
        {
            recent[index] = applied;
            recentOrder.Enqueue(index);
            if (recentOrder.Count > RecentCapacity)
            {
                recent.Remove(recentOrder.Dequeue());
            }
        }
        return waiter;
    }
}

public sealed record AppliedCommand(KvCommand Command, KvResponse Response);
