using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Raft.Grains.Interfaces;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Raft.Client.Cli;

/// <summary>status (one table of the group's peers) and watch (the same table, refreshed until Ctrl+C).</summary>
internal static class StatusCommands
{
    /// <summary>How long one peer may take to answer GetStatus before its row says "unreachable".</summary>
    internal static readonly TimeSpan PeerTimeout = TimeSpan.FromSeconds(1);

    private static readonly string[] Columns = ["peer", "role", "term", "commit", "applied", "log length", "snapshot"];

    public static Command CreateStatus(Func<ParseResult, CliContext> context)
    {
        var command = new Command("status", "Show each peer's role, term, commit index, last applied, log length (last index - snapshot index) and snapshot index. A peer that does not answer within 1s shows as unreachable.");
        ClientCommandLine.SetAction(command, context, async (cli, _, cancellationToken) =>
        {
            var cluster = await cli.ConnectAsync(cancellationToken);
            await using var connection = cluster;
            var rows = await QueryAsync(cli, cluster.Grains, cancellationToken);
            if (cli.Json)
            {
                cli.WriteJson(ToJson(rows));
            }
            else if (cli.Interactive)
            {
                cli.CreateConsole().Write(ToTable(cli, rows));
            }
            else
            {
                WritePlain(cli.Out, rows);
            }
            if (rows.All(r => r.Status is null) && !cluster.IsConnected)
            {
                throw new SiloUnavailableException("lost the connection to the gateway.");
            }
            return ExitCodes.Success;
        });
        return command;
    }

    public static Command CreateWatch(Func<ParseResult, CliContext> context)
    {
        var interval = new Option<TimeSpan?>("--interval", "-i")
        {
            Description = "Time between refreshes (500ms, 1s, 5s). Default 1s.",
            HelpName = "duration",
            CustomParser = CliParsers.ParsePositiveDuration,
        };
        var command = new Command("watch", "Show the status table live, refreshed every --interval, until Ctrl+C. With --json, one JSON array per refresh; when stdout is not a terminal, one plain table per refresh.") { interval };
        ClientCommandLine.SetAction(command, context, async (cli, parse, cancellationToken) =>
        {
            var every = parse.GetValue(interval) ?? TimeSpan.FromSeconds(1);
            var cluster = await cli.ConnectAsync(cancellationToken);
            await using (cluster)
            {
                if (cli.Interactive)
                {
                    var console = cli.CreateConsole();
                    await console.Live(new Text("querying peers...")).AutoClear(false).StartAsync(async live =>
                    {
                        while (!cancellationToken.IsCancellationRequested)
                        {
                            var rows = await QueryOrReconnectAsync(cli, cluster, cancellationToken);
                            if (rows is null)
                            {
                                break;
                            }
                            live.UpdateTarget(ToTable(cli, rows, cluster.IsConnected ? cluster.GatewayList : null));
                            live.Refresh();
                            if (!await DelayAsync(every, cancellationToken))
                            {
                                break;
                            }
                        }
                    });
                }
                else
                {
                    while (!cancellationToken.IsCancellationRequested)
                    {
                        var rows = await QueryOrReconnectAsync(cli, cluster, cancellationToken);
                        if (rows is null)
                        {
                            break;
                        }
                        if (cli.Json)
                        {
                            cli.WriteJson(ToJson(rows));
                        }
                        else
                        {
                            cli.Out.WriteLine(DateTimeOffset.Now.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture));
                            WritePlain(cli.Out, rows);
                            cli.Out.WriteLine();
                        }
                        cli.Out.Flush();
                        if (!await DelayAsync(every, cancellationToken))
                        {
                            break;
                        }
                    }
                }
            }
            return ExitCodes.Success; // Ctrl+C is how watch ends
        });
        return command;
    }

    /// <summary>Every peer's status, queried in parallel; a peer that fails or is slow gets a row with the error.</summary>
    internal static Task<PeerStatusReading[]> QueryAsync(CliContext cli, IGrainFactory grains, CancellationToken cancellationToken) =>
        PeerStatusReader.ReadAsync(grains, cli.Group, cli.Peers, cli.Timeout < PeerTimeout ? cli.Timeout : PeerTimeout, cancellationToken);

    /// <summary>Queries the peers (each row says why when the gateway connection is down; Orleans reconnects by itself); null once cancelled.</summary>
    private static async Task<PeerStatusReading[]?> QueryOrReconnectAsync(CliContext cli, ClusterConnection cluster, CancellationToken cancellationToken)
    {
        try
        {
            if (!cluster.IsConnected)
            {
                return cli.Peers.Select(p => new PeerStatusReading(p, null, $"gateway unreachable ({cluster.GatewayList}), retrying")).ToArray();
            }
            return await QueryAsync(cli, cluster.Grains, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    private static async Task<bool> DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, cancellationToken);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static string[] Cells(PeerStatusReading row) => row.Status is { } s
        ?
        [
            row.Peer, s.Role, Number(s.Term), Number(s.CommitIndex), Number(s.LastApplied),
            Number(s.LastLogIndex - s.SnapshotIndex), Number(s.SnapshotIndex),
        ]
        : [row.Peer, "unreachable", "-", "-", "-", "-", "-"];

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Aligned columns without borders or colour, for pipes and files.</summary>
    internal static void WritePlain(TextWriter output, IReadOnlyList<PeerStatusReading> rows)
    {
        var cells = rows.Select(Cells).Prepend(Columns).ToList();
        var widths = Enumerable.Range(0, Columns.Length).Select(c => cells.Max(r => r[c].Length)).ToArray();
        foreach (var row in cells)
        {
            output.WriteLine(string.Join("  ", row.Select((cell, c) => c == row.Length - 1 ? cell : cell.PadRight(widths[c]))).TrimEnd());
        }
    }

    private static Table ToTable(CliContext cli, IReadOnlyList<PeerStatusReading> rows, string? gateway = "")
    {
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var column in Columns)
        {
            table.AddColumn(column == "peer" || column == "role" ? new TableColumn(column) : new TableColumn(column).RightAligned());
        }
        foreach (var row in rows)
        {
            var cells = Cells(row).Select(c => (IRenderable)new Text(c)).ToArray();
            if (row.Status is { Role: "Leader" })
            {
                cells[1] = new Markup("[bold green]Leader[/]");
            }
            else if (row.Status is null)
            {
                cells[1] = new Markup("[red]unreachable[/]");
            }
            table.AddRow(cells);
        }
        var caption = gateway switch
        {
            null => "gateway unreachable, retrying",
            "" => $"group {cli.Group}",
            _ => $"group {cli.Group} via {gateway}, {DateTimeOffset.Now:HH:mm:ss}, Ctrl+C to stop",
        };
        return table.Caption(Markup.Escape(caption));
    }

    private static JsonArray ToJson(IEnumerable<PeerStatusReading> rows) => new(rows.Select(row => (JsonNode)(row.Status is { } s
        ? new JsonObject
        {
            ["peer"] = row.Peer,
            ["reachable"] = true,
            ["role"] = s.Role,
            ["term"] = s.Term,
            ["leaderId"] = s.LeaderId,
            ["commitIndex"] = s.CommitIndex,
            ["lastApplied"] = s.LastApplied,
            ["lastLogIndex"] = s.LastLogIndex,
            ["logLength"] = s.LastLogIndex - s.SnapshotIndex,
            ["snapshotIndex"] = s.SnapshotIndex,
        }
        : new JsonObject { ["peer"] = row.Peer, ["reachable"] = false, ["error"] = row.Error })).ToArray());
}
