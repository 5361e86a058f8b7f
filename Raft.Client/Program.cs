namespace Raft.Client;

public static class Program
{
    public static Task<int> Main(string[] args) => Cli.ClientCommandLine.RunAsync(args);
}
