namespace Raft.Benchmarks.Failover;

/// <summary>
/// One client of the system under test (RaftOrleans or etcd) as the failover benchmark sees it: append a number to a
/// key, read a key's numbers back, and the attempts it made (one per server tried).
/// </summary>
internal interface IAppendSession
{
    /// <summary>
    /// Appends "{sequence}," to <paramref name="key"/>; returns the index (in the peer list) of the server that
    /// acknowledged it. Throws <see cref="AppendOutcomeUnknownException"/> when the outcome is unknown (deadline passed).
    /// </summary>
    Task<int> AppendAsync(string key, int sequence, CancellationToken cancellationToken);

    /// <summary>Everything appended to <paramref name="key"/> ("0,1,2,"), or null when nothing was.</summary>
    Task<string?> ReadAsync(string key);

    /// <summary>Every attempt so far, in the order they ended; read only when no operation is running.</summary>
    IReadOnlyList<ClientAttempt> Attempts { get; }
}

/// <summary>One request to one server: when it was sent and answered (µs since the Unix epoch), to whom, how it ended.</summary>
internal readonly record struct ClientAttempt(long StartMicros, long EndMicros, int Peer, string Outcome);

/// <summary>An append whose deadline passed: it may or may not have been applied.</summary>
internal sealed class AppendOutcomeUnknownException(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>The session cannot go on (its numbering on the servers expired): the writer opens a new one.</summary>
    public bool SessionLost { get; init; }
}
