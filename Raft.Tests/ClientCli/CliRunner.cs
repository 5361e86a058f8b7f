using Raft.Client.Cli;

namespace Raft.Tests.ClientCli;

/// <summary>Runs the raft-client entry point in process with captured stdout and stderr.</summary>
internal static class CliRunner
{
    public sealed record Result(int Code, string Out, string Err)
    {
        public string[] ErrLines => Err.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

        public override string ToString() => $"exit {Code}\n--- stdout\n{Out}--- stderr\n{Err}";
    }

    public static Task<Result> RunAsync(params string[] args) => RunAsync(args, CancellationToken.None);

    public static async Task<Result> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await ClientCommandLine.RunAsync(args, output, error, cancellationToken);
        return new Result(code, output.ToString(), error.ToString());
    }

    /// <summary>
    /// Runs a command that goes on until cancelled (watch) and cancels it through <paramref name="cancel"/> as soon as
    /// its stdout so far satisfies <paramref name="enough"/> (checked every 20 ms), or when <paramref name="cancel"/>
    /// fires on its own.
    /// </summary>
    public static async Task<Result> RunUntilAsync(string[] args, Func<string, bool> enough, CancellationTokenSource cancel)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        // The synchronized writer locks itself around each write, so taking the same lock gives a whole snapshot.
        var shared = TextWriter.Synchronized(output);
        string Snapshot()
        {
            lock (shared)
            {
                return output.ToString();
            }
        }
        var run = ClientCommandLine.RunAsync(args, shared, error, cancel.Token);
        while (!run.IsCompleted && !cancel.IsCancellationRequested && !enough(Snapshot()))
        {
            await Task.WhenAny(run, Task.Delay(20));
        }
        await cancel.CancelAsync();
        var code = await run;
        return new Result(code, Snapshot(), error.ToString());
    }
}
