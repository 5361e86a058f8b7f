namespace Raft.Simulation.Linearizability;

/// <summary>The verdict on a history.</summary>
public enum CheckOutcome
{
    /// <summary>Every partition has a linearization.</summary>
    Ok,

    /// <summary>Some partition has none: the history is not linearizable.</summary>
    Illegal,

    /// <summary>
    /// The search used its whole step budget before deciding, and found no illegal partition before that. The course's
    /// tests (like Porcupine, whose budget is time) count this as a pass with a warning; this repository's tests count
    /// it as a failure, since an unchecked history proves nothing.
    /// </summary>
    Unknown,
}
