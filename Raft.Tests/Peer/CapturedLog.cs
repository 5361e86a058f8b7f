using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Raft.Tests.Peer;

/// <summary>
/// A logger provider that keeps every silo log line (level and formatted message, exception appended), for tests that
/// assert what a peer logged. Thread-safe; shared by every activation of one test's silo.
/// </summary>
internal sealed class CapturedLog : ILoggerProvider
{
    private readonly ConcurrentQueue<Line> _lines = new();

    public IReadOnlyList<Line> Lines => _lines.ToArray();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    internal sealed record Line(LogLevel Level, string Category, string Message)
    {
        public override string ToString() => $"{Level} {Category}: {Message}";
    }

    private sealed class Logger(CapturedLog owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                var message = formatter(state, exception);
                owner._lines.Enqueue(new Line(logLevel, category, exception is null ? message : $"{message} {exception.GetType().Name}: {exception.Message}"));
            }
        }
    }
}
