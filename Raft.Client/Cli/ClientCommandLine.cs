namespace Raft.Client.Cli;

/// <summary>The raft-client command line (being built).</summary>
public static class ClientCommandLine
{
    public static Task<int> RunAsync(string[] args) => Task.FromResult(args.Length == 0 ? 2 : 2);
}
