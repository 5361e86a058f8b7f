using System.Diagnostics;

namespace Raft.Client;

/// <summary>
/// The ActivitySource "RaftOrleans" of client operations: one Client activity per <see cref="KeyValueClient.ExecuteAsync"/>,
/// spanning its retries and leader changes. Without a listener no activity is created, so it costs nothing and changes
/// nothing the client decides (the simulator runs the same client).
/// </summary>
public static class KeyValueClientTracing
{
    public const string SourceName = "RaftOrleans";

    internal static readonly ActivitySource Source = new(SourceName);
}
