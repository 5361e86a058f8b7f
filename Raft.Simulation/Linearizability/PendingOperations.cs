namespace Raft.Simulation.Linearizability;

/// <summary>What <see cref="HistoryRecorder{TInput, TOutput}.GetHistory"/> does with operations begun but not ended.</summary>
public enum PendingOperations
{
    /// <summary>
    /// Include them as unknown-outcome operations (return at <see cref="Operation{TInput, TOutput}.UnknownReturn"/>):
    /// sound whatever they did. The default.
    /// </summary>
    RecordAsUnknown,

    /// <summary>Leave them out, as Porcupine does: only right when they certainly had no effect.</summary>
    Omit,
}
