using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Spectre.Console;

namespace Raft.Client.Cli;

/// <summary>
/// bench: N concurrent key-value clients (one session each) doing puts, and gets for --read-ratio of the
/// operations, over random keys for a duration; then throughput and latency percentiles.
/// </summary>
internal static class BenchCommand
{
    public static Command Create(Func<ParseResult, CliContext> context)
    {
        var clients = PositiveInt("--clients", "Concurrent clients, each with its own session, one operation at a time.", 4, "-c");
        var duration = new Option<TimeSpan?>("--duration", "-d")
        {
            Description = "How long to run (10s, 1m). Default 10s.",
            HelpName = "duration",
            CustomParser = CliParsers.ParsePositiveDuration,
        };
        var keySize = PositiveInt("--key-size", "Bytes per key.", 16);
        var valueSize = PositiveInt("--value-size", "Bytes per value.", 100);
        var keys = PositiveInt("--keys", "Distinct keys to spread the operations over.", 1000);
        var warmup = new Option<TimeSpan?>("--warmup")
        {
            Description = "Run the same load this long before the clock starts, unmeasured (JIT tiering, connection buffers, caches). Default 0s.",
            HelpName = "duration",
            CustomParser = CliParsers.ParseDuration,
        };
        var readRatio = new Option<double>("--read-ratio")
        {
            Description = "Fraction of operations that are gets, 0 to 1. Default 0 (puts only).",
            HelpName = "fraction",
            CustomParser = CliParsers.ParseFraction,
        };
        var command = new Command("bench", "Generate load: --clients concurrent clients doing puts (and --read-ratio gets) for --duration, then report ops/s, latency percentiles and errors. With --json, one JSON object and no progress bar.")
        {
            clients, duration, warmup, keySize, valueSize, keys, readRatio,
        };
        ClientCommandLine.SetAction(command, context, (cli, parse, cancellationToken) =>
        {
            var settings = new BenchSettings(
                parse.GetValue(clients), parse.GetValue(duration) ?? TimeSpan.FromSeconds(10), parse.GetValue(keySize), parse.GetValue(valueSize),
                parse.GetValue(keys), parse.GetValue(readRatio), parse.GetValue(warmup) ?? TimeSpan.Zero);
            var digits = (settings.Keys - 1).ToString(CultureInfo.InvariantCulture).Length;
            if (settings.KeySize < digits + 1)
            {
                throw new CliUsageException($"--key-size {settings.KeySize} is too small for {settings.Keys} keys (at least {digits + 1}).");
            }
            return cli.WithClusterAsync(cluster => RunAsync(cli, cluster, settings, cancellationToken), cancellationToken);
        });
        return command;
    }

    private static Option<int> PositiveInt(string name, string description, int defaultValue, string? alias = null)
    {
        var option = alias is null ? new Option<int>(name) : new Option<int>(name, alias);
        option.Description = description;
        option.HelpName = "N";
        option.DefaultValueFactory = _ => defaultValue;
        option.CustomParser = CliParsers.AtLeast(1, name);
        return option;
    }

    internal sealed record BenchSettings(int Clients, TimeSpan Duration, int KeySize, int ValueSize, int Keys, double ReadRatio, TimeSpan Warmup);

    private sealed class Worker(KeyValueClient client, int seed)
    {
        public KeyValueClient Client { get; set; } = client;

        public Random Random { get; } = new(seed);

        public LatencyHistogram Latency { get; } = new();

        public long Puts { get; set; }

        public long Gets { get; set; }

        public long Errors { get; set; }

        public Exception? LastError { get; set; }
    }

    private static async Task<int> RunAsync(CliContext cli, IGrainFactory grains, BenchSettings settings, CancellationToken cancellationToken)
    {
        var keyNames = Enumerable.Range(0, settings.Keys)
            .Select(i => "b" + i.ToString(CultureInfo.InvariantCulture).PadLeft(settings.KeySize - 1, '0'))
            .ToArray();
        var workers = Enumerable.Range(0, settings.Clients).Select(i => new Worker(cli.NewKeyValueClient(grains), 7919 * (i + 1))).ToArray();
        var values = workers.Select((w, i) => new string((char)('a' + i % 26), settings.ValueSize)).ToArray();

        // Open every session (and find the leader) before the clock starts: a cluster that cannot serve fails here.
        await Task.WhenAll(workers.Select(w => w.Client.GetAsync(keyNames[0], cancellationToken)));

        long completed = 0;
        long failed = 0;
        var clock = new BenchClock(settings.Warmup, settings.Duration, cli.Error);

        async Task Work(Worker worker, string value)
        {
            while (clock.Running && !cancellationToken.IsCancellationRequested)
            {
                var key = keyNames[worker.Random.Next(keyNames.Length)];
                var read = settings.ReadRatio > 0 && worker.Random.NextDouble() < settings.ReadRatio;
                var begin = Stopwatch.GetTimestamp();
                var measured = clock.Measures(begin);
                try
                {
                    if (read)
                    {
                        await worker.Client.GetAsync(key, cancellationToken);
                    }
                    else
                    {
                        await worker.Client.PutAsync(key, value, cancellationToken);
                    }
                    if (!measured)
                    {
                        continue;
                    }
                    if (read)
                    {
                        worker.Gets++;
                    }
                    else
                    {
                        worker.Puts++;
                    }
                    worker.Latency.Record((long)Stopwatch.GetElapsedTime(begin).TotalMicroseconds);
                    Interlocked.Increment(ref completed);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception exception)
                {
                    if (!measured)
                    {
                        continue;
                    }
                    worker.Errors++;
                    worker.LastError = exception;
                    Interlocked.Increment(ref failed);
                    if (exception is KeyValueSessionExpiredException)
                    {
                        worker.Client = cli.NewKeyValueClient(grains);
                    }
                }
            }
        }

        var run = Task.WhenAll(workers.Select((w, i) => Task.Run(() => Work(w, values[i]), CancellationToken.None)));
        if (cli.Interactive)
        {
            await cli.CreateConsole().Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .StartAsync(async progress =>
                {
                    var task = progress.AddTask("bench", maxValue: settings.Duration.TotalSeconds);
                    while (!run.IsCompleted)
                    {
                        await Task.WhenAny(run, Task.Delay(200, CancellationToken.None));
                        task.Value = Math.Min(settings.Duration.TotalSeconds, clock.Elapsed.TotalSeconds);
                        task.Description = $"{Interlocked.Read(ref completed)} ops, {Interlocked.Read(ref failed)} errors";
                    }
                    task.Value = task.MaxValue;
                });
        }
        await run;
        var elapsed = clock.Elapsed;
        var clientCpu = clock.ClientCpu;

        var latency = LatencyHistogram.Merge(workers.Select(w => w.Latency));
        var puts = workers.Sum(w => w.Puts);
        var gets = workers.Sum(w => w.Gets);
        var errors = workers.Sum(w => w.Errors);
        var operations = puts + gets;
        var opsPerSecond = elapsed > TimeSpan.Zero ? operations / elapsed.TotalSeconds : 0;

        if (cli.Json)
        {
            cli.WriteJson(BenchReport.ToJson(
                new(settings.Clients, settings.KeySize, settings.ValueSize, settings.Keys, settings.ReadRatio, settings.Warmup),
                elapsed, puts, gets, errors, clientCpu, latency));
        }
        else
        {
            var o = cli.Out;
            o.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{operations} operations ({puts} puts, {gets} gets) in {elapsed.TotalSeconds:0.00} s by {settings.Clients} clients, {errors} errors"));
            o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"throughput  {opsPerSecond:0.0} ops/s"));
            o.WriteLine($"latency     p50 {FormatMicros(latency.ValueAtPercentile(50))}  p95 {FormatMicros(latency.ValueAtPercentile(95))}  " +
                $"p99 {FormatMicros(latency.ValueAtPercentile(99))}  max {FormatMicros(latency.Max)}");
        }

        if (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken);
        }
        // Nothing succeeded: report why, with that error's exit code.
        if (operations == 0 && workers.Select(w => w.LastError).LastOrDefault(e => e is not null) is { } lastError)
        {
            throw lastError;
        }
        return ExitCodes.Success;
    }

    internal static string FormatMicros(long micros) => micros switch
    {
        < 1000 => string.Create(CultureInfo.InvariantCulture, $"{micros} µs"),
        < 1_000_000 => string.Create(CultureInfo.InvariantCulture, $"{micros / 1000.0:0.00} ms"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{micros / 1_000_000.0:0.00} s"),
    };
}
