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
}
