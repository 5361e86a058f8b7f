using System.Text.Json.Nodes;

namespace Raft.Benchmarks.Failover;

/// <summary>The system under test as the failover load sees it: RaftOrleans (<see cref="RaftTarget"/>) or etcd (<see cref="EtcdTarget"/>).</summary>
internal interface IFailoverTarget : IAsyncDisposable
{
    /// <summary>What its servers log when they stand for election, win one, and so on (matched in their logs).</summary>
    LogPatterns Patterns { get; }

    IAppendSession NewSession(int writer);

    /// <summary>One row per peer or member: peer, reachable, role, term, commitIndex, lastApplied.</summary>
    Task<JsonNode[]> StatusAsync();
}

/// <summary>
/// Log lines of a server, by what they contain. <see cref="Deactivated"/> and <see cref="Dead"/> are null where the
/// system has no such thing (etcd has no grain activations and no membership protocol of its own).
/// </summary>
internal sealed record LogPatterns(string Campaign, string Elected, string? Deactivated, Func<string, string[]>? Dead);
