using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;

namespace Raft.Client.Cli;

/// <summary>Where a command writes and how it reaches the cluster: the global options, resolved.</summary>
internal sealed class CliContext
{
    private static readonly JsonSerializerOptions Compact = new() { WriteIndented = false };

    public required TextWriter Out { get; init; }

    public required TextWriter Error { get; init; }

    /// <summary>Stdout is a terminal: Spectre tables, live displays and progress bars. Otherwise plain text.</summary>
    public required bool Interactive { get; init; }

    public required bool Json { get; init; }

    public required IReadOnlyList<string> Gateways { get; init; }

    public required string Group { get; init; }

    public required IReadOnlyList<string> Peers { get; init; }

    /// <summary>The operation deadline (--timeout): connecting, and each key-value operation with its retries.</summary>
    public required TimeSpan Timeout { get; init; }

    /// <summary>A Spectre console over <see cref="Out"/>; colours and cursor movement only when interactive.</summary>
    public IAnsiConsole CreateConsole() => AnsiConsole.Create(Interactive
        ? new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Out) }
        : new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(Out),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });

    /// <summary>
    /// Connects to the first gateway that answers (throwing <see cref="SiloUnavailableException"/> when none
    /// does within the deadline), runs <paramref name="body"/> and disconnects. A key-value timeout after the
    /// connection dropped is reported as the cluster being unreachable.
    /// </summary>
    public async Task<int> WithClusterAsync(Func<IGrainFactory, Task<int>> body, CancellationToken cancellationToken)
    {
        var cluster = await ConnectAsync(cancellationToken);
        await using (cluster)
        {
            try
            {
                return await body(cluster.Grains);
            }
            catch (KeyValueTimeoutException exception) when (!cluster.IsConnected)
            {
                throw new SiloUnavailableException($"Lost the connection to the gateway: {exception.Message}", exception);
            }
        }
    }

    public Task<ClusterConnection> ConnectAsync(CancellationToken cancellationToken) =>
        ClusterConnection.ConnectAsync(Gateways, ClusterId, ServiceId, Timeout, cancellationToken);

    /// <summary>The Orleans cluster and service ids the silos run under (RAFT_CLUSTER_ID, RAFT_SERVICE_ID; default "raft").</summary>
    public string ClusterId { get; init; } = Environment.GetEnvironmentVariable("RAFT_CLUSTER_ID") ?? "raft";

    public string ServiceId { get; init; } = Environment.GetEnvironmentVariable("RAFT_SERVICE_ID") ?? "raft";

    public KeyValueClient NewKeyValueClient(IGrainFactory grains) => new(grains, new KeyValueClientOptions
    {
        Group = Group,
        Peers = [.. Peers],
        OperationDeadline = Timeout,
        AttemptTimeout = Timeout < TimeSpan.FromSeconds(3) ? Timeout : TimeSpan.FromSeconds(3),
    });

    public void WriteJson(JsonNode node) => Out.WriteLine(node.ToJsonString(Compact));
}
