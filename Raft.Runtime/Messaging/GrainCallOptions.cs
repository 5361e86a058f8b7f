namespace Raft.Runtime;

/// <summary>
/// Per-call settings for calls made inside a scope:
/// <c>using (GrainCallOptions.WithTimeout(TimeSpan.FromMilliseconds(200))) await peer.AppendEntries(request);</c>
/// The scope flows with the async call (AsyncLocal), so it applies only to calls made by the code inside it.
/// </summary>
public static class GrainCallOptions
{
    private static readonly AsyncLocal<TimeSpan?> CurrentTimeout = new();

    /// <summary>The response timeout set by the innermost enclosing scope, if any.</summary>
    public static TimeSpan? Timeout => CurrentTimeout.Value;

    public static IDisposable WithTimeout(TimeSpan timeout)
    {
        if (timeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), "A response timeout must be positive.");
        }
        var previous = CurrentTimeout.Value;
        CurrentTimeout.Value = timeout;
        return new Scope(previous);
    }

    private sealed class Scope(TimeSpan? previous) : IDisposable
    {
        public void Dispose() => CurrentTimeout.Value = previous;
    }
}
