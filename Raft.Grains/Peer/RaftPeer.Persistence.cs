using Microsoft.Extensions.Logging;

namespace Raft.Grains;

/// <summary>
/// Group commit. Every path that changed the core awaits <see cref="PersistAsync"/> before its reply or request leaves.
/// One flush runs at a time and takes everything changed so far in one delta; changes made while it writes (other
/// AppendEntries, Starts, votes interleaving at its awaits) wait together for the next flush, one write per record.
/// </summary>
public sealed partial class RaftPeer
{
    /// <summary>Waiters for the flush that has not started yet (it takes whatever is unpersisted when it starts).</summary>
    private TaskCompletionSource? _nextBatch;

    /// <summary>The flush being written (completed when none).</summary>
    private Task _inFlightBatch = Task.CompletedTask;

    private bool _flusherRunning;

    /// <summary>The flush loop (completed when idle); it handles write failures itself.</summary>
    private Task _flusher = Task.CompletedTask;

    /// <summary>
    /// Completes when everything the core holds now is durable. Without unpersisted changes it still waits for a flush in
    /// flight: a reply computed now may rest on state that an earlier request is still writing.
    /// </summary>
    private Task PersistAsync()
    {
        if (_failure is not null)
        {
            return Task.FromException(new InvalidOperationException($"Raft peer '{_id}' stopped after a storage failure: {_failure.Message}", _failure));
        }
        if (!_node.HasUnpersistedChanges)
        {
            return _nextBatch?.Task ?? _inFlightBatch;
        }
        _nextBatch ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var batch = _nextBatch.Task;
        if (!_flusherRunning)
        {
            _flusherRunning = true;
            _flusher = RunFlusherAsync();
        }
        return batch;
    }

    /// <summary>
    /// Starts the flush of what the core holds without waiting for it: for proposals, whose durability on this peer
    /// counts through <c>OnLocalPersisted</c> (commit) rather than through an answer. A failure stops the activation
    /// (<see cref="FailStorage"/>), so the exception needs no other observer.
    /// </summary>
    private void PersistInBackground()
    {
        var flush = PersistAsync();
        if (!flush.IsCompleted)
        {
            _ = flush.ContinueWith(static t => _ = t.Exception, CancellationToken.None,
                TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private async Task RunFlusherAsync()
    {
        try
        {
            // Let the requests already queued on this activation make their changes first, so they join this flush.
            // Without it a provider that completes synchronously (memory) flushes once per request, rewriting the
            // tail log segment every time.
            await Task.Yield();
            while (_nextBatch is { } batch)
            {
                _nextBatch = null;
                _inFlightBatch = batch.Task;
                // Delta and write plan are taken in this same turn, so they agree with the log.
                var delta = _node.TakeUnpersisted();
                try
                {
                    if (!delta.IsEmpty)
                    {
                        var plan = _store.Plan(delta, _node.Log);
                        var started = _time.GetTimestamp();
                        await _store.ExecuteAsync(plan);
                        _metrics?.StorageWritten(_time.GetElapsedTime(started));
                    }
                }
                catch (Exception exception)
                {
                    FailStorage(exception);
                    batch.TrySetException(exception);
                    _nextBatch?.TrySetException(exception);
                    _nextBatch = null;
                    return;
                }
                // The leader counts its own copy towards commit only from here.
                if (_node.OnLocalPersisted(delta.LastLogIndex, delta.LastLogTerm))
                {
                    OnCommitAdvanced();
                }
                batch.TrySetResult();
            }
        }
        finally
        {
            _flusherRunning = false;
        }
    }

    /// <summary>
    /// A write failed: what the core holds is ahead of storage, and answering from it could acknowledge what is not
    /// durable. Stop answering and deactivate; the next activation starts from what storage has.
    /// </summary>
    private void FailStorage(Exception exception)
    {
        if (_failure is not null)
        {
            return;
        }
        _failure = exception;
        _stopped = true;
        StopLeaderTimers();
        _applySignal.Set();
        if (exception is RecordConflictException)
        {
            // After a crash, a write of the previous incarnation that landed late (RaftPeerStore names the record). As in
            // Orleans, deactivate: the next call activates the peer again, and it reads all its state back from storage.
            _logger.LogWarning(exception, "Raft peer {Peer} in term {Term}: {Conflict} Deactivating; the next call activates it again from storage {Storage}",
                _id, _node.CurrentTerm, exception.Message, _host.Storage.Name);
        }
        else
        {
            _logger.LogError(exception, "Raft peer {Peer} in term {Term}: writing its state to storage {Storage} failed; deactivating",
                _id, _node.CurrentTerm, _host.Storage.Name);
        }
        _host.RequestDeactivation();
    }
}
