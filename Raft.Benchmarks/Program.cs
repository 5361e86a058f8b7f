namespace Raft.Benchmarks;

/// <summary>Benchmarks, run by hand in Release (never as timed tests); results go to docs/benchmarks.md.</summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var which = args.Length > 0 ? args[0] : "";
        var seconds = args.Length > 1 && int.TryParse(args[1], out var s) && s > 0 ? s : 5;
        switch (which)
        {
            case "grain-calls":
                await GrainCallBenchmark.RunAsync(TimeSpan.FromSeconds(seconds), Console.Out);
                return 0;
            default:
                Console.Error.WriteLine("usage: Raft.Benchmarks grain-calls [seconds per measurement, default 5]");
                return 2;
        }
    }
}
