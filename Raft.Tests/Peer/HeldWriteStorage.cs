using Orleans.Storage;
using Raft.Grains;
using Raft.TestingHost;

namespace Raft.Tests.Peer;

/// <summary>
/// Memory storage that keeps cleared records (as Azure Blob storage does) and can hold one write as a remote storage
/// service holds a request still on its way when the process that sent it dies. The write's state and ETag condition
/// are taken when it is issued, as a request carries them; it does not land until the test lands it
/// (<see cref="LandHeldWrite"/>), or until just before the grain's next write (<see cref="LandHeldWriteBeforeNextWriteOf"/>).
/// Its writer gets no answer until the test says the writer died (<see cref="LoseHeldWritersAnswer"/>), and then a
/// failure: the answer of a request whose sender died is lost. Until then the write is in flight for its writer too, so
/// the test can crash the writer at exactly that point; once its answer is lost, Orleans can finish deactivating the
/// crashed activation (running requests end first), and nothing in the next activation knows of the held write.
/// </summary>
internal sealed class HeldWriteStorage(bool declaresLateWrites) : IGrainStorage
{
    private readonly SharedMemoryGrainStorage _inner = new(RaftStorageSerializer.Create(), clearKeepsRecord: true);
    private readonly Lock _gate = new();
    private (GrainId Grain, string StateName)? _toHold;
    private Func<Task>? _held;
    // What the held write's writer awaits: failed once its writer is known dead, or once the held write went to storage.
    private TaskCompletionSource? _heldAnswer;
    private GrainId? _landBeforeNextWriteOf;

    /// <summary>Completes with the record's name once a write is held.</summary>
    public TaskCompletionSource<string> Held { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once the held write went to storage: with null when it landed, else with its refusal.</summary>
    public TaskCompletionSource<Exception?> Landed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// What the provider declares to the peers: whether its writes may outlive their writer (the held write outlives
    /// its writer either way), and that a clear keeps the record.
    /// </summary>
    public PeerStorageTraits Traits { get; } = new(PreservesIssueOrder: false, WritesMayOutliveWriter: declaresLateWrites, ClearKeepsRecord: true);

    public void HoldNextWrite(GrainId grain, string stateName)
    {
        lock (_gate)
        {
            _toHold = (grain, stateName);
        }
    }

    /// <summary>Lands the held write just before the grain's next write or clear reaches storage.</summary>
    public void LandHeldWriteBeforeNextWriteOf(GrainId grain)
    {
        lock (_gate)
        {
            _landBeforeNextWriteOf = grain;
        }
    }

    /// <summary>The held write's writer crashed: it never gets an answer (it fails), while the write stays on its way.</summary>
    public void LoseHeldWritersAnswer()
    {
        TaskCompletionSource? answer;
        lock (_gate)
        {
            answer = _heldAnswer;
        }
        answer?.TrySetException(new IOException("The writer of the held write crashed: its answer is lost."));
    }

    /// <summary>Lands the held write now, under the ETag condition it was sent with.</summary>
    public async Task<Exception?> LandHeldWrite()
    {
        Func<Task> held;
        TaskCompletionSource answer;
        lock (_gate)
        {
            held = _held ?? throw new InvalidOperationException("No write is held.");
            answer = _heldAnswer!;
            _held = null;
        }
        try
        {
            await held();
            Landed.TrySetResult(null);
        }
        catch (InconsistentStateException refused)
        {
            Landed.TrySetResult(refused);
        }
        answer.TrySetException(new IOException("The held write went to storage after its writer crashed: its answer is lost."));
        return await Landed.Task;
    }

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        _inner.ReadStateAsync(stateName, grainId, grainState);

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        await LandIfDue(grainId);
        if (TryHold(stateName, grainId, grainState) is { } answer)
        {
            await answer; // its writer dies before any answer can reach it
            return;
        }
        await _inner.WriteStateAsync(stateName, grainId, grainState);
    }

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        await LandIfDue(grainId);
        await _inner.ClearStateAsync(stateName, grainId, grainState);
    }

    /// <summary>Holds the write if it is the one to hold: returns what its writer awaits instead of an answer, else null.</summary>
    private Task? TryHold<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var sent = new GrainState<T>(grainState.State, grainState.ETag) { RecordExists = grainState.RecordExists };
        var answer = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (_toHold != (grainId, stateName))
            {
                return null;
            }
            _toHold = null;
            _held = () => _inner.WriteStateAsync(stateName, grainId, sent);
            _heldAnswer = answer;
        }
        Held.TrySetResult(stateName);
        return answer.Task;
    }

    private async Task LandIfDue(GrainId grainId)
    {
        lock (_gate)
        {
            if (_landBeforeNextWriteOf != grainId)
            {
                return;
            }
            _landBeforeNextWriteOf = null;
        }
        await LandHeldWrite();
    }
}
