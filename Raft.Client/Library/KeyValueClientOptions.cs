namespace Raft.Client;

/// <summary>How a key-value client finds the group and how long it keeps trying.</summary>
public sealed class KeyValueClientOptions
{
    /// <summary>The Raft group serving the key-value store.</summary>
    public string Group { get; set; } = "kv";

    /// <summary>The group's peer ids (the key-value grain of each peer is tried when the leader is unknown).</summary>
    public List<string> Peers { get; set; } = new() { "0", "1", "2" };

    /// <summary>How long one operation may take, retries included, before it fails.</summary>
    public TimeSpan OperationDeadline { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Timeout of one attempt against one peer.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// How long an attempt may stay unanswered before the request also goes to every other peer, and again after each
    /// such interval while none answers: when the leader's silo dies with the request unanswered, a newly elected leader
    /// among the others commits the copy without the client waiting out <see cref="AttemptTimeout"/>. The session makes
    /// the copies apply once; a follower answers a copy at once with the leader it knows. Set it near the servers'
    /// election timeout; <see cref="Timeout.InfiniteTimeSpan"/> sends to one peer at a time.
    /// </summary>
    public TimeSpan ProbeOthersAfter { get; set; } = TimeSpan.FromMilliseconds(300);

    /// <summary>Pause after a round in which no peer claimed leadership.</summary>
    public TimeSpan NoLeaderBackoff { get; set; } = TimeSpan.FromMilliseconds(50);
}
