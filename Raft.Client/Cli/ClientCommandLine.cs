using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;

namespace Raft.Client.Cli;

/// <summary>
/// The raft-client command line: key-value commands, cluster status and a load generator. Every failure
/// prints one line "raft-client: message" to stderr and exits with a code from <see cref="ExitCodes"/>.
/// </summary>
public static class ClientCommandLine
{
    public const string Name = "raft-client";

    public static Task<int> RunAsync(string[] args) => RunAsync(args, null, null, CancellationToken.None);

    /// <summary>
    /// Runs the command line with stdout and stderr going to <paramref name="output"/> and
    /// <paramref name="error"/> (the console when null). Injected writers mean plain output and no Ctrl+C
    /// handling (use <paramref name="cancellationToken"/> instead).
    /// </summary>
    public static async Task<int> RunAsync(string[] args, TextWriter? output, TextWriter? error, CancellationToken cancellationToken = default)
    {
        var injected = output is not null || error is not null;
        var stdout = output ?? Console.Out;
        var stderr = error ?? Console.Error;
        var interactive = output is null && !Console.IsOutputRedirected;
        var options = new GlobalOptions();
        var root = BuildRootCommand(options, stdout, stderr, interactive);

        try
        {
            var parse = root.Parse(args);
            if (parse.Action is ParseErrorAction)
            {
                // "Unrecognized command or argument 'x'" says more than the "Required command was not provided" that comes with it.
                var errors = parse.Errors.Where(e => parse.UnmatchedTokens.Any(t => e.Message.Contains($"'{t}'", StringComparison.Ordinal))).ToList();
                WriteFailure(stderr, string.Join(" ", (errors.Count > 0 ? errors : parse.Errors).Select(e => e.Message)));
                WriteUsage(root, parse, stdout);
                return ExitCodes.Usage;
            }
            var configuration = new InvocationConfiguration
            {
                Output = stdout,
                Error = stderr,
                EnableDefaultExceptionHandler = false,
                ProcessTerminationTimeout = injected ? null : TimeSpan.FromSeconds(2),
            };
            return await parse.InvokeAsync(configuration, cancellationToken);
        }
        catch (Exception exception)
        {
            return Fail(stderr, exception, cancellationToken);
        }
    }

    /// <summary>Prints the help of the command the parse got to (as "command --help" would), to stdout.</summary>
    private static void WriteUsage(Command root, ParseResult parse, TextWriter stdout)
    {
        var path = new List<string>();
        for (SymbolResult? result = parse.CommandResult; result is CommandResult { Command: var command } && command != root; result = result.Parent)
        {
            path.Insert(0, command.Name);
        }
        path.Add("--help");
        root.Parse(path).Invoke(new InvocationConfiguration { Output = stdout, Error = TextWriter.Null, EnableDefaultExceptionHandler = false });
    }

    internal static Command BuildRootCommand(GlobalOptions options, TextWriter stdout, TextWriter stderr, bool interactive)
    {
        // A plain Command rather than RootCommand, so that usage says "raft-client" whatever the host process is.
        var root = new Command(Name,
            "Client of the RaftOrleans key-value service: read and write keys, show the Raft peers' status, " +
            "generate load.\n\n" + ExitCodes.HelpText);
        root.Add(new HelpOption());
        root.Add(new VersionOption());
        options.AddTo(root);
        Func<ParseResult, CliContext> context = parse => new CliContext
        {
            Out = stdout,
            Error = stderr,
            Interactive = interactive && !parse.GetValue(options.Json),
            Json = parse.GetValue(options.Json),
            Gateways = parse.GetValue(options.Gateways) is { Length: > 0 } gateways ? gateways : [GlobalOptions.DefaultGateway],
            Group = parse.GetValue(options.Group)!,
            Peers = parse.GetValue(options.Peers) is { Length: > 0 } peers ? peers : GlobalOptions.DefaultPeers,
            Timeout = parse.GetValue(options.Timeout) ?? GlobalOptions.DefaultTimeout,
        };
        foreach (var command in KeyValueCommands.Create(context))
        {
            root.Add(command);
        }
        root.Add(StatusCommands.CreateStatus(context));
        root.Add(StatusCommands.CreateWatch(context));
        root.Add(BenchCommand.Create(context));
        return root;
    }

    /// <summary>Sets a command's action: builds the context, runs the body, turns exceptions into an exit code.</summary>
    internal static void SetAction(Command command, Func<ParseResult, CliContext> context, Func<CliContext, ParseResult, CancellationToken, Task<int>> body) =>
        command.SetAction(async (parse, cancellationToken) =>
        {
            var cli = context(parse);
            try
            {
                return await body(cli, parse, cancellationToken);
            }
            catch (Exception exception)
            {
                return Fail(cli.Error, exception, cancellationToken);
            }
        });

    internal static int Fail(TextWriter stderr, Exception exception, CancellationToken cancellationToken)
    {
        var (code, message) = Classify(exception, cancellationToken.IsCancellationRequested);
        WriteFailure(stderr, message);
        return code;
    }

    internal static (int Code, string Message) Classify(Exception exception, bool cancelled) => exception switch
    {
        _ when cancelled => (ExitCodes.Interrupted, "interrupted."),
        CliUsageException => (ExitCodes.Usage, exception.Message),
        SiloUnavailableException => (ExitCodes.Unreachable, $"cluster unreachable: {exception.Message}"),
        KeyValueTimeoutException { NoLeader: true } timeout => (ExitCodes.NoLeader,
            timeout.InnerException is { } last ? $"{timeout.Message} Last error: {last.Message}" : timeout.Message),
        KeyValueTimeoutException => (ExitCodes.Timeout, exception.Message),
        TimeoutException => (ExitCodes.Timeout, exception.Message),
        VersionMismatchException => (ExitCodes.VersionMismatch, exception.Message),
        KeyValueRejectedException or KeyValueSessionExpiredException => (ExitCodes.Rejected, exception.Message),
        OperationCanceledException => (ExitCodes.Interrupted, "interrupted."),
        _ => (ExitCodes.Error, exception.Message),
    };

    internal static void WriteFailure(TextWriter stderr, string message)
    {
        var oneLine = string.Join(' ', message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        stderr.WriteLine($"{Name}: {oneLine}");
        stderr.Flush();
    }
}
