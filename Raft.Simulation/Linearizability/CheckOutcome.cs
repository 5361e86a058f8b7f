namespace Raft.Simulation.Linearizability;

/// <summary>The verdict on a history.</summary>
public enum CheckOutcome
{
    /// <summary>Every partition has a linearization.</summary>
    Ok,

    /// <summary>Some partition has none: the history is not linearizable.</summary>
    Illegal,

    /// <summary>
    /// The search ran out of time before deciding, and found no illegal partition before that. The course's
    /// tests (like Porcupine) count this as a pass with a warning; a test may choose to be stricter.
    /// </summary>
    Unknown,
}
