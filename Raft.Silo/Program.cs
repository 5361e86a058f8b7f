using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Raft.Silo;

/// <summary>
/// The RaftOrleans silo. Configuration comes from appsettings.json, RAFT_-prefixed environment variables and the
/// command line (--Silo:SiloName=s1, --Storage:Default:Path=./data/raft.db, --Storage:Provider=AzureBlob
/// --Storage:Default:ConnectionString=UseDevelopmentStorage=true, --Cluster:Membership=AzureTable, --Web:Port=8081 ...).
/// Besides Orleans' ports it serves the dashboard (/dashboard) and the Raft page (/raft) on 127.0.0.1:8080.
/// Exit codes: 0 stopped normally; 1 could not start (storage or membership unreachable, a port taken); 2 a setting
/// that is missing, malformed or unknown. The one error line goes to stderr.
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        WebApplication host;
        IReadOnlyList<string> dependencies;
        try
        {
            (host, dependencies) = SiloApplication.Build(args);
        }
        catch (SiloConfigurationException exception)
        {
            return Fail(2, exception.Message);
        }

        await using (host)
        {
            try
            {
                await host.StartAsync();
            }
            catch (Exception exception) when (IsConfigurationError(exception))
            {
                await StopAfterFailedStartAsync(host);
                return Fail(2, OneLine(exception));
            }
            catch (Exception exception)
            {
                await StopAfterFailedStartAsync(host);
                var on = dependencies.Count > 0 ? $" (depends on: {string.Join("; ", dependencies)})" : "";
                return Fail(1, $"failed to start: {OneLine(exception)}{on}");
            }
            await host.WaitForShutdownAsync();
            return 0;
        }
    }

    /// <summary>
    /// A silo whose start failed part-way has components running (Orleans' grain directory follows membership updates):
    /// they are stopped before the host is disposed. Disposed under them, that loop spins on the disposed membership
    /// service (millions of work items a second) in a process that goes on, such as a test host calling Main.
    /// </summary>
    private static async Task StopAfterFailedStartAsync(WebApplication host)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await host.StopAsync(timeout.Token);
        }
        catch (Exception)
        {
            // The start already failed; its error is the one reported.
        }
    }

    // Options validated at start (Raft:*, a SQLite path left empty, Orleans' own option checks) are settings errors.
    private static bool IsConfigurationError(Exception exception) =>
        exception is OptionsValidationException or OrleansConfigurationException
        || exception is AggregateException aggregate && aggregate.InnerExceptions.All(IsConfigurationError);

    /// <summary>The messages of the exception and its causes, on one line: the innermost usually names the endpoint.</summary>
    private static string OneLine(Exception exception)
    {
        var parts = new List<string>();
        for (var e = exception; e is not null; e = e.InnerException)
        {
            var message = string.Join(' ', e.Message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            if (!parts.Any(p => p.Contains(message, StringComparison.Ordinal)))
            {
                parts.Add(message);
            }
        }
        return string.Join(" <- ", parts);
    }

    private static int Fail(int code, string message)
    {
        Console.Error.WriteLine($"raft-silo: {message}");
        return code;
    }
}
