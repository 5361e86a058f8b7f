using System.CommandLine;
using System.Text.Json.Nodes;
using Raft.Grains.Interfaces;

namespace Raft.Client.Cli;

/// <summary>put, get, append, delete and cas: one linearizable operation each, through a new client session.</summary>
internal static class KeyValueCommands
{
    public static IEnumerable<Command> Create(Func<ParseResult, CliContext> context)
    {
        yield return Put(context);
        yield return Get(context);
        yield return Append(context);
        yield return Delete(context);
        yield return Cas(context);
    }

    private static Argument<string> KeyArgument() => new("key") { Description = "The key." };

    private static Argument<string> ValueArgument() => new("value") { Description = "The value." };

    private static Command Put(Func<ParseResult, CliContext> context)
    {
        var key = KeyArgument();
        var value = ValueArgument();
        var command = new Command("put", "Set a key's value. Prints the key's new version.") { key, value };
        ClientCommandLine.SetAction(command, context, (cli, parse, cancellationToken) => cli.WithClusterAsync(async cluster =>
        {
            var k = parse.GetValue(key)!;
            var version = await cli.NewKeyValueClient(cluster).PutAsync(k, parse.GetValue(value)!, cancellationToken);
            if (cli.Json)
            {
                cli.WriteJson(new JsonObject { ["key"] = k, ["version"] = version });
            }
            else
            {
                cli.Out.WriteLine($"version {version}");
            }
            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }

    private static Command Get(Func<ParseResult, CliContext> context)
    {
        var key = KeyArgument();
        var command = new Command("get", "Print a key's value (a linearizable read). A missing key prints \"(not found)\" to stderr and exits 0; with --json, \"found\": false.") { key };
        ClientCommandLine.SetAction(command, context, (cli, parse, cancellationToken) => cli.WithClusterAsync(async cluster =>
        {
            var k = parse.GetValue(key)!;
            var (value, version) = await cli.NewKeyValueClient(cluster).GetAsync(k, cancellationToken);
            if (cli.Json)
            {
                cli.WriteJson(value is null
                    ? new JsonObject { ["key"] = k, ["found"] = false }
                    : new JsonObject { ["key"] = k, ["found"] = true, ["value"] = value, ["version"] = version });
            }
            else if (value is null)
            {
                cli.Error.WriteLine("(not found)");
            }
            else
            {
                cli.Out.WriteLine(value);
            }
            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }

    private static Command Append(Func<ParseResult, CliContext> context)
    {
        var key = KeyArgument();
        var value = ValueArgument();
        var command = new Command("append", "Append to a key's value (a missing key counts as empty). Prints the key's new version.") { key, value };
        ClientCommandLine.SetAction(command, context, (cli, parse, cancellationToken) => cli.WithClusterAsync(async cluster =>
        {
            var k = parse.GetValue(key)!;
            var (newValue, version) = await cli.NewKeyValueClient(cluster).AppendAsync(k, parse.GetValue(value)!, cancellationToken);
            if (cli.Json)
            {
                cli.WriteJson(new JsonObject { ["key"] = k, ["value"] = newValue, ["version"] = version });
            }
            else
            {
                cli.Out.WriteLine($"version {version}");
            }
            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }

    private static Command Delete(Func<ParseResult, CliContext> context)
    {
        var key = KeyArgument();
        var command = new Command("delete", "Remove a key (succeeds whether or not it exists).") { key };
        ClientCommandLine.SetAction(command, context, (cli, parse, cancellationToken) => cli.WithClusterAsync(async cluster =>
        {
            var k = parse.GetValue(key)!;
            await cli.NewKeyValueClient(cluster).DeleteAsync(k, cancellationToken);
            if (cli.Json)
            {
                cli.WriteJson(new JsonObject { ["key"] = k, ["deleted"] = true });
            }
            else
            {
                cli.Out.WriteLine("deleted");
            }
            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }

    private static Command Cas(Func<ParseResult, CliContext> context)
    {
        var key = KeyArgument();
        var value = ValueArgument();
        var expected = new Option<long>("--expected-version", "-e")
        {
            Description = "The version the key must have (0: the key must not exist).",
            HelpName = "N",
            Required = true,
            CustomParser = CliParsers.AtLeast(0L, "--expected-version"),
        };
        var command = new Command("cas", $"Compare-and-set: set the key only if its version is --expected-version. Prints the new version; on a mismatch prints the current version and exits {ExitCodes.VersionMismatch}.") { key, value, expected };
        ClientCommandLine.SetAction(command, context, (cli, parse, cancellationToken) => cli.WithClusterAsync(async cluster =>
        {
            var k = parse.GetValue(key)!;
            var expectedVersion = parse.GetValue(expected);
            var response = await cli.NewKeyValueClient(cluster).PutIfVersionAsync(k, parse.GetValue(value)!, expectedVersion, cancellationToken);
            if (response.Status == KvStatus.Ok)
            {
                if (cli.Json)
                {
                    cli.WriteJson(new JsonObject { ["key"] = k, ["ok"] = true, ["version"] = response.Version });
                }
                else
                {
                    cli.Out.WriteLine($"version {response.Version}");
                }
                return ExitCodes.Success;
            }
            // NoKey: the key does not exist (version 0) but a version was expected.
            var current = response.Status == KvStatus.VersionMismatch ? response.Version : 0;
            if (cli.Json)
            {
                cli.WriteJson(new JsonObject { ["key"] = k, ["ok"] = false, ["expectedVersion"] = expectedVersion, ["currentVersion"] = current });
            }
            throw new VersionMismatchException(current == 0
                ? $"version mismatch: key '{k}' does not exist (version 0), expected version {expectedVersion}."
                : $"version mismatch: key '{k}' is at version {current}, expected version {expectedVersion}.");
        }, cancellationToken));
        return command;
    }
}
