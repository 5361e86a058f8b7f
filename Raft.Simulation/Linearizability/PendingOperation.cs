namespace Raft.Simulation.Linearizability;

/// <summary>
/// An operation begun with <see cref="HistoryRecorder{TInput, TOutput}.Begin"/> and not yet ended: the handle
/// to pass to End or EndUnknown, exactly once.
/// </summary>
public sealed class PendingOperation<TInput>
{
    internal PendingOperation(object recorder, long id, int clientId, TInput input, long call)
    {
        Recorder = recorder;
        Id = id;
        ClientId = clientId;
        Input = input;
        Call = call;
    }

    /// <summary>Sequence number in the recorder, in Begin order.</summary>
    public long Id { get; }

    public int ClientId { get; }

    public TInput Input { get; }

    /// <summary>The call timestamp.</summary>
    public long Call { get; }

    internal object Recorder { get; }

    /// <summary>Set under the recorder's lock once the operation is ended.</summary>
    internal bool Ended { get; set; }
}
