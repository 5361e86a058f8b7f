namespace Raft.Benchmarks;

/// <summary>Benchmarks, run by hand in Release (never as timed tests); results go to docs/benchmarks.md.</summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var which = args.Length > 0 ? args[0] : "";
        switch (which)
        {
            case "kv":
                KvBenchmark.Settings settings;
                try
                {
                    settings = KvBenchmark.Parse(args);
                }
                catch (Exception exception) when (exception is ArgumentException or FormatException)
                {
                    Console.Error.WriteLine($"Raft.Benchmarks kv: {exception.Message}");
                    return 2;
                }
                await KvBenchmark.RunAsync(settings, Console.Out);
                return 0;
            case "failover-load":
                Failover.FailoverLoadCommand.Settings failover;
                try
                {
                    failover = Failover.FailoverLoadCommand.Parse(args);
                }
                catch (Exception exception) when (exception is ArgumentException or FormatException)
                {
                    Console.Error.WriteLine($"Raft.Benchmarks failover-load: {exception.Message}");
                    return 2;
                }
                return await Failover.FailoverLoadCommand.RunAsync(failover, Console.Out, Console.Error);
            case "etcd-bench":
                EtcdBenchCommand.Settings etcd;
                try
                {
                    etcd = EtcdBenchCommand.Parse(args);
                }
                catch (Exception exception) when (exception is ArgumentException or FormatException or UriFormatException)
                {
                    Console.Error.WriteLine($"Raft.Benchmarks etcd-bench: {exception.Message}");
                    return 2;
                }
                return await EtcdBenchCommand.RunAsync(etcd, Console.Out, Console.Error);
            case "explore":
                try
                {
                    return ExploreCommand.Run(args, Console.Out);
                }
                catch (Exception exception) when (exception is ArgumentException or FormatException)
                {
                    Console.Error.WriteLine($"Raft.Benchmarks explore: {exception.Message}");
                    return 2;
                }
            default:
                Console.Error.WriteLine("""
                    usage: Raft.Benchmarks kv [--peers 3] [--silos 1|<peers>] [--storage sqlite|memory] [--clients 256]
                                              [--value-size 100] [--via gateway|silo] [--seconds 10] [--warmup 3] [--detail] [--top 15]
                                              [--probe-others-after MS|never]
                               (Orleans silos in this process over loopback TCP; the grain-call microbenchmark and the leader
                               activation's turn-queue probe went with the home-made grain runtime)
                           Raft.Benchmarks failover-load (--gateway IP:PORT... | --etcd URL,URL,URL) --control DIR [--clients 64] [--peers 0,1,2]
                                              [--log NAME=PATH]... [--cluster-id raft] [--appends-per-key 100] [--attempt-timeout MS]
                                              [--probe-others-after MS|never]
                               (the client side of scripts/failover-bench.sh)
                           Raft.Benchmarks etcd-bench --endpoints URL[,URL...] [--clients 1] [--seconds 10] [--warmup 0] [--value-size 256]
                                              [--keys 1000] [--key-size 16]
                               (raft-client bench's put loop against etcd over gRPC, one JSON line; scripts/bench.sh --compare)
                           Raft.Benchmarks explore [--first 1] [--seeds 10000] [--report-all]   (the randomized fault explorer, docs/simulation.md)
                    """);
                return 2;
        }
    }
}
