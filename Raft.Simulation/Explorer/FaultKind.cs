namespace Raft.Simulation.Explorer;

/// <summary>The faults a <see cref="FaultSchedule"/> can inject into a Raft group and its network.</summary>
public enum FaultKind
{
    /// <summary>Splits the peers (and the clients) at random into two sides that cannot talk to each other.</summary>
    Partition,

    /// <summary>Removes every partition.</summary>
    HealPartition,

    /// <summary>Disconnects one peer (its host: the Raft peer and its key-value grain).</summary>
    Disconnect,

    /// <summary>Disconnects whichever peer leads when the step runs.</summary>
    DisconnectLeader,

    /// <summary>Connects one peer again.</summary>
    Reconnect,

    /// <summary>Crashes one peer and keeps it down (disconnected) until a restart.</summary>
    Crash,

    /// <summary>Crashes whichever peer leads when the step runs.</summary>
    CrashLeader,

    /// <summary>
    /// Crashes one peer right after its next vote grant or successful append reached the caller, and restarts it a few
    /// milliseconds later: whatever that reply promised must have been durable before it left (with disk latency, a
    /// write still on its way may be lost in the crash).
    /// </summary>
    CrashAfterReply,

    /// <summary>Restarts one peer from its persisted state.</summary>
    Restart,

    /// <summary>Crashes every peer at once and restarts them all: only persisted state survives.</summary>
    CrashAllAndRestart,

    /// <summary>Switches the network to unreliable: delays up to 26 ms, 10% of requests and 10% of replies dropped.</summary>
    Unreliable,

    /// <summary>Switches the network back to reliable delivery.</summary>
    Reliable,

    /// <summary>Holds back two thirds of replies by 200–2200 ms, so that old replies arrive after new ones.</summary>
    ReorderOn,

    /// <summary>Delivers replies in order again.</summary>
    ReorderOff,

    /// <summary>Calls to a disconnected peer fail only after up to 7 s (otherwise up to 100 ms).</summary>
    LongDelaysOn,

    LongDelaysOff,

    /// <summary>
    /// A scripted Figure 8 (Raft paper, §5.4.2): an entry of the leader's term lands on a minority, a leader of the next
    /// term appends a different entry on itself alone, the first leader is elected again and brings its entry to a
    /// majority without an entry of its own term, then the second leader is elected and overwrites it. Safe only if a
    /// leader never commits an earlier term's entry by counting replicas (<see cref="Figure8Scenario"/>).
    /// </summary>
    Figure8,

    /// <summary>
    /// A scripted double vote: the leader crashes, every other peer crashes right after it grants a vote, the winner is cut
    /// off and the rest elect a leader again. Two leaders of one term follow if a granted vote was lost in the crash
    /// (a vote replied before it was durable; <see cref="DoubleVoteScenario"/>).
    /// </summary>
    DoubleVote,
}
