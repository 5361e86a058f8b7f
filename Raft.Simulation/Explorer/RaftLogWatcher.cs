using Microsoft.Extensions.Logging;

namespace Raft.Simulation.Explorer;

/// <summary>
/// A logger provider that reads the peers' structured log events instead of printing them: every election win
/// (to check that each term has at most one leader, however briefly it led) and every error a Raft or key-value
/// component logged (a failed apply, a stopped applier, an undecodable command: each is a bug under these faults).
/// </summary>
public sealed class RaftLogWatcher : ILoggerProvider
{
    /// <summary>The peer driver's category; its election win is "Raft peer {Peer} won the election for term {Term} …".</summary>
    public const string PeerCategory = "Raft.Grains.RaftPeer";

    private const string ElectionWon = "Raft peer {Peer} won the election for term {Term}";

    private readonly object gate = new();
    private readonly Dictionary<long, string> leaders = new();
    private readonly List<string> violations = new();
    private readonly List<string> errors = new();

    /// <summary>Term → the peer that won it.</summary>
    public IReadOnlyDictionary<long, string> LeadersByTerm
    {
        get
        {
            lock (gate)
            {
                return new Dictionary<long, string>(leaders);
            }
        }
    }

    /// <summary>Two different peers won one term.</summary>
    public IReadOnlyList<string> Violations
    {
        get
        {
            lock (gate)
            {
                return violations.ToArray();
            }
        }
    }

    /// <summary>Errors and critical events logged by Raft.* components, rendered.</summary>
    public IReadOnlyList<string> Errors
    {
        get
        {
            lock (gate)
            {
                return errors.ToArray();
            }
        }
    }

    /// <summary>Also record one peer's leadership seen from outside (GetState), in case a win is not logged.</summary>
    public void ObservedLeader(long term, string peer) => Leader(term, peer, "seen in GetState");

    public ILogger CreateLogger(string categoryName) => new Watcher(this, categoryName);

    public void Dispose()
    {
    }

    private void Leader(long term, string peer, string how)
    {
        lock (gate)
        {
            if (!leaders.TryGetValue(term, out var existing))
            {
                leaders[term] = peer;
            }
            else if (existing != peer)
            {
                violations.Add($"election safety: term {term} has two leaders, {existing} and {peer} ({how})");
            }
        }
    }

    private void Error(string text)
    {
        lock (gate)
        {
            errors.Add(text);
        }
    }

    private sealed class Watcher(RaftLogWatcher owner, string category) : ILogger
    {
        private readonly bool raft = category.StartsWith("Raft.", StringComparison.Ordinal);

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => raft && (logLevel >= LogLevel.Error || (logLevel == LogLevel.Information && category == PeerCategory));

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }
            if (logLevel >= LogLevel.Error)
            {
                owner.Error($"{logLevel} {category}: {formatter(state, exception)}{(exception is null ? "" : $" ({exception.GetType().Name}: {exception.Message})")}");
                return;
            }
            if (state is not IReadOnlyList<KeyValuePair<string, object?>> values)
            {
                return;
            }
            var format = values.FirstOrDefault(v => v.Key == "{OriginalFormat}").Value as string;
            if (format is null || !format.StartsWith(ElectionWon, StringComparison.Ordinal))
            {
                return;
            }
            var peer = values.FirstOrDefault(v => v.Key == "Peer").Value as string ?? "?";
            if (values.FirstOrDefault(v => v.Key == "Term").Value is long term)
            {
                owner.Leader(term, peer, "won the election");
            }
        }
    }
}
