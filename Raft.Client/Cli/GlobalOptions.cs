using System.CommandLine;

namespace Raft.Client.Cli;

/// <summary>Options every command accepts (before or after the command name).</summary>
internal sealed class GlobalOptions
{
    public const string DefaultGateway = "127.0.0.1:30000";

    // Options without DefaultValueFactory where the help would print the default badly (arrays as "a|b",
    // TimeSpans as 00:00:10): the description names the default and the context applies it.
    public Option<string[]> Gateways { get; } = new("--gateway", "-g")
    {
        Description = $"A silo gateway as host:port; repeat (or separate with commas) to fail over. Default {DefaultGateway}.",
        HelpName = "host:port",
        Recursive = true,
        CustomParser = CliParsers.ParseGateways,
    };

    public Option<string> Group { get; } = new("--group")
    {
        Description = "The Raft group serving the key-value store.",
        Recursive = true,
        DefaultValueFactory = _ => "kv",
    };

    public Option<string[]> Peers { get; } = new("--peers")
    {
        Description = "The group's peer ids, comma-separated. Default 0,1,2.",
        HelpName = "ids",
        Recursive = true,
        CustomParser = CliParsers.ParsePeers,
    };

    public Option<TimeSpan?> Timeout { get; } = new("--timeout", "-t")
    {
        Description = "Deadline of connecting and of each operation, retries included (500ms, 10s, 1m). Default 10s.",
        HelpName = "duration",
        Recursive = true,
        CustomParser = CliParsers.ParsePositiveDuration,
    };

    public Option<bool> Json { get; } = new("--json")
    {
        Description = "Write results as JSON to stdout.",
        Recursive = true,
    };

    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    public static readonly string[] DefaultPeers = ["0", "1", "2"];

    public void AddTo(Command command)
    {
        command.Add(Gateways);
        command.Add(Group);
        command.Add(Peers);
        command.Add(Timeout);
        command.Add(Json);
    }
}
