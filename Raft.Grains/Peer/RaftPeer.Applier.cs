using Microsoft.Extensions.Logging;
using Raft.Grains.Interfaces;

namespace Raft.Grains;

/// <summary>
/// The applier: commit and apply are separate. One loop per activation delivers committed entries (and installed
/// snapshots) to the state machine in log order, exactly once, outside the protocol turns that move the commit index.
/// After a restart it delivers the snapshot first, then the entries after it as they become known committed.
/// </summary>
public sealed partial class RaftPeer
{
    private const int ApplyBatch = 64;

    private readonly AsyncSignal _applySignal = new();
    private long _lastApplied;

    /// <summary>The commit index already counted in the commits metric.</summary>
    private long _countedCommit;
    private Task _applier = Task.CompletedTask;

    /// <summary>Wakes the applier when there is something to deliver.</summary>
    private void WakeApplier()
    {
        // Every path that moves the commit index ends here, so this is where commits are counted.
        if (_node.CommitIndex > _countedCommit)
        {
            _metrics?.Committed(_node.CommitIndex - _countedCommit);
            _countedCommit = _node.CommitIndex;
        }
        if (_node.CommitIndex > _lastApplied || _node.SnapshotIndex > _lastApplied)
        {
            _applySignal.Set();
        }
    }

    private async Task RunApplierAsync()
    {
        // Start outside OnActivateAsync's turn.
        await Task.Yield();
        try
        {
            while (!_stopped)
            {
                var messages = _node.ApplyMessagesAfter(_lastApplied, ApplyBatch);
                if (messages.Count == 0)
                {
                    await _applySignal.WaitAsync();
                    continue;
                }
                var commands = new List<ApplyMsg>(messages.Count);
                foreach (var message in messages)
                {
                    var index = message.SnapshotValid ? message.SnapshotIndex : message.CommandIndex;
                    if (index <= _lastApplied)
                    {
                        continue;
                    }
                    if (!message.SnapshotValid)
                    {
                        commands.Add(message);
                        continue;
                    }
                    // A snapshot goes alone, after the entries before it.
                    await DeliverCommandsAsync(commands);
                    if (_stopped)
                    {
                        return;
                    }
                    await DeliverAsync(message, index);
                    if (_stopped)
                    {
                        return;
                    }
                    _metrics?.Applied(index - _lastApplied);
                    _lastApplied = index;
                    if (_node.SnapshotIndex > _lastApplied)
                    {
                        break; // an InstallSnapshot overtook this batch: the snapshot goes next
                    }
                }
                await DeliverCommandsAsync(commands);
                if (_stopped)
                {
                    return;
                }
                // Let requests and replies in between batches while catching up on a long log.
                await Task.Yield();
            }
        }
        catch (Exception exception)
        {
            // A bug, not a state machine failure (those are caught per message): stop rather than skip entries.
            _logger.LogCritical(exception, "Raft peer {Peer}: the applier stopped after index {LastApplied}", _id, _lastApplied);
        }
    }

    /// <summary>Entries in one batch to the state machine (one lock, one wake-up of their requests); clears the list.</summary>
    private async Task DeliverCommandsAsync(List<ApplyMsg> commands)
    {
        if (commands.Count == 0)
        {
            return;
        }
        var last = commands[^1].CommandIndex;
        try
        {
            await _stateMachine.ApplyBatchAsync(commands.Count == 1 ? [commands[0]] : commands.ToArray(), this);
        }
        catch (Exception exception)
        {
            // Counted as delivered, as one entry's failure is in DeliverAsync.
            _logger.LogError(exception, "Raft peer {Peer}: the state machine failed to apply entries {First}..{Last}",
                _id, commands[0].CommandIndex, last);
        }
        commands.Clear();
        if (!_stopped)
        {
            _metrics?.Applied(commands.Count);
            _lastApplied = last;
        }
    }

    private async Task DeliverAsync(ApplyMsg message, long index)
    {
        try
        {
            await _stateMachine.ApplyAsync(message, this);
        }
        catch (Exception exception)
        {
            // The entry counts as delivered: redelivering would break exactly-once for everything it did change.
            _logger.LogError(exception, "Raft peer {Peer}: the state machine failed to apply {Kind} {Index}",
                _id, message.SnapshotValid ? "snapshot" : "entry", index);
        }
    }

    /// <summary>A one-consumer wake-up signal for code running on the grain's scheduler.</summary>
    private sealed class AsyncSignal
    {
        private TaskCompletionSource? _waiter;
        private bool _set;

        public void Set()
        {
            if (_waiter is { } waiter)
            {
                _waiter = null;
                waiter.TrySetResult();
            }
            else
            {
                _set = true;
            }
        }

        public Task WaitAsync()
        {
            if (_set)
            {
                _set = false;
                return Task.CompletedTask;
            }
            // Continuations run asynchronously, on the awaiting grain's scheduler, never inside Set's caller.
            _waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _waiter.Task;
        }
    }
}
