using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Raft.Client.Cli;

namespace Raft.Benchmarks;

/// <summary>
/// etcd-bench: the load of <c>raft-client bench</c> (puts only) against etcd, for scripts/bench.sh --compare. The same
/// closed loop: N clients, each one put at a time on a random key out of --keys (16 B keys), values of --value-size
/// bytes, an unmeasured --warmup at the same client count, then --duration measured; the same JSON fields
/// (opsPerSecond, latencyMicros p50/p95/p99/max, errors, clientCpuSeconds). It speaks etcd's own protocol, gRPC
/// (etcdserverpb.KV/Put over HTTP/2 without TLS), not the JSON gateway, which would add a hop inside etcd. Client i
/// sends to member i mod 3 (etcd forwards a follower's proposal to the leader), each member's requests multiplexed on
/// HTTP/2 connections opened as needed; a failed put counts as an error and is not retried.
/// </summary>
internal static class EtcdBenchCommand
{
    internal sealed record Settings(IReadOnlyList<Uri> Endpoints, int Clients, TimeSpan Duration, TimeSpan Warmup, int ValueSize, int Keys, int KeySize);

    public static Settings Parse(string[] args)
    {
        var endpoints = new List<Uri>();
        int clients = 1, valueSize = 256, keys = 1000, keySize = 16;
        double duration = 10, warmup = 0;
        for (var i = 1; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--endpoints":
                    endpoints.AddRange(Value().Split(',', StringSplitOptions.RemoveEmptyEntries).Select(e => new Uri(e.EndsWith('/') ? e : e + "/")));
                    break;
                case "--clients": clients = PositiveInt("--clients", Value()); break;
                case "--value-size": valueSize = PositiveInt("--value-size", Value()); break;
                case "--keys": keys = PositiveInt("--keys", Value()); break;
                case "--key-size": keySize = PositiveInt("--key-size", Value()); break;
                case "--seconds": duration = Seconds("--seconds", Value(), 1); break;
                case "--warmup": warmup = Seconds("--warmup", Value(), 0); break;
                case "--json": break;
                default: throw new ArgumentException($"unknown argument '{args[i]}'");
            }
        }
        if (endpoints.Count == 0)
        {
            throw new ArgumentException("--endpoints http://127.0.0.1:2379[,...] is required");
        }
        if (keySize < (keys - 1).ToString(CultureInfo.InvariantCulture).Length + 1)
        {
            throw new ArgumentException($"--key-size {keySize} is too small for {keys} keys");
        }
        return new Settings(endpoints, clients, TimeSpan.FromSeconds(duration), TimeSpan.FromSeconds(warmup), valueSize, keys, keySize);
    }

    private static int PositiveInt(string name, string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v > 0 ? v : throw new ArgumentException($"{name}: '{text}' is not a positive number");

    private static double Seconds(string name, string text, double min) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v >= min ? v : throw new ArgumentException($"{name}: '{text}' is not a number of seconds >= {min}");

    private sealed class Worker(int seed)
    {
        public Random Random { get; } = new(seed);

        public LatencyHistogram Latency { get; } = new();

        public long Puts { get; set; }

        public long Errors { get; set; }

        public string? LastError { get; set; }
    }

    public static async Task<int> RunAsync(Settings settings, TextWriter output, TextWriter error)
    {
        var handlers = settings.Endpoints.Select(_ => new SocketsHttpHandler { EnableMultipleHttp2Connections = true, ConnectTimeout = TimeSpan.FromSeconds(3) }).ToArray();
        var http = handlers.Select(h => new HttpClient(h) { Timeout = TimeSpan.FromSeconds(10) }).ToArray();
        var keyNames = Enumerable.Range(0, settings.Keys)
            .Select(i => Encoding.ASCII.GetBytes("b" + i.ToString(CultureInfo.InvariantCulture).PadLeft(settings.KeySize - 1, '0')))
            .ToArray();
        var workers = Enumerable.Range(0, settings.Clients).Select(i => new Worker(7919 * (i + 1))).ToArray();
        var values = workers.Select((_, i) => Encoding.ASCII.GetBytes(new string((char)('a' + i % 26), settings.ValueSize))).ToArray();

        // Every member answers before the clock starts: a cluster that cannot serve fails here.
        for (var m = 0; m < http.Length; m++)
        {
            var failure = await PutAsync(http[m], settings.Endpoints[m], keyNames[0], values[0], CancellationToken.None);
            if (failure is not null)
            {
                error.WriteLine($"etcd-bench: {settings.Endpoints[m]} refused a put: {failure}");
                return 3;
            }
        }

        long completed = 0;
        var clock = new BenchClock(settings.Warmup, settings.Duration, error);

        async Task Work(Worker worker, int index)
        {
            var member = index % http.Length;
            while (clock.Running)
            {
                var key = keyNames[worker.Random.Next(keyNames.Length)];
                var begin = Stopwatch.GetTimestamp();
                var measured = clock.Measures(begin);
                var failure = await PutAsync(http[member], settings.Endpoints[member], key, values[index], CancellationToken.None);
                if (!measured)
                {
                    continue;
                }
                if (failure is null)
                {
                    worker.Puts++;
                    worker.Latency.Record((long)Stopwatch.GetElapsedTime(begin).TotalMicroseconds);
                    Interlocked.Increment(ref completed);
                }
                else
                {
                    worker.Errors++;
                    worker.LastError = failure;
                }
            }
        }

        await Task.WhenAll(workers.Select((w, i) => Task.Run(() => Work(w, i))));
        var elapsed = clock.Elapsed;
        var clientCpu = clock.ClientCpu;
        var latency = LatencyHistogram.Merge(workers.Select(w => w.Latency));
        var puts = workers.Sum(w => w.Puts);
        var errors = workers.Sum(w => w.Errors);
        var json = BenchReport.ToJson(
            new(settings.Clients, settings.KeySize, settings.ValueSize, settings.Keys, 0, settings.Warmup), elapsed, puts, 0, errors, clientCpu, latency);
        json["lastError"] = workers.Select(w => w.LastError).LastOrDefault(e => e is not null);
        output.WriteLine(json.ToJsonString());
        foreach (var client in http)
        {
            client.Dispose();
        }
        return puts == 0 ? 1 : 0;
    }

    /// <summary>One unary gRPC call etcdserverpb.KV/Put; null when it succeeded, else what went wrong.</summary>
    private static async Task<string?> PutAsync(HttpClient http, Uri endpoint, byte[] key, byte[] value, CancellationToken cancellationToken)
    {
        // PutRequest { bytes key = 1; bytes value = 2; }, in a gRPC frame: no compression, 4-byte big-endian length.
        var message = new byte[2 + VarintLength(key.Length) + key.Length + VarintLength(value.Length) + value.Length];
        var at = 0;
        message[at++] = 0x0a;
        at = WriteVarint(message, at, key.Length);
        key.CopyTo(message, at);
        at += key.Length;
        message[at++] = 0x12;
        at = WriteVarint(message, at, value.Length);
        value.CopyTo(message, at);
        var frame = new byte[5 + message.Length];
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(1), message.Length);
        message.CopyTo(frame, 5);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(endpoint, "etcdserverpb.KV/Put")) 
            {
                Content = new ByteArrayContent(frame),
                // HTTP/2 without TLS ("prior knowledge"); a request's own version, not the client's default, decides.
                Version = HttpVersion.Version20,
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            };
            request.Content.Headers.ContentType = new("application/grpc");
            request.Headers.TryAddWithoutValidation("te", "trailers");
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                return $"HTTP {(int)response.StatusCode}";
            }
            // grpc-status is a trailer, or a header when the call failed before any message.
            var status = response.TrailingHeaders.TryGetValues("grpc-status", out var s) ? s.First()
                : response.Headers.TryGetValues("grpc-status", out var h) ? h.First() : null;
            if (status == "0")
            {
                return null;
            }
            var text = response.TrailingHeaders.TryGetValues("grpc-message", out var m) || response.Headers.TryGetValues("grpc-message", out m) ? Uri.UnescapeDataString(m.First()) : "";
            return $"grpc-status {status ?? "missing"} {text}".TrimEnd();
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException or IOException)
        {
            return exception.GetType().Name + ": " + exception.Message;
        }
    }

    private static int VarintLength(int value)
    {
        var length = 1;
        while ((value >>= 7) != 0)
        {
            length++;
        }
        return length;
    }

    private static int WriteVarint(byte[] buffer, int at, int value)
    {
        var v = (uint)value;
        while (v >= 0x80)
        {
            buffer[at++] = (byte)(v | 0x80);
            v >>= 7;
        }
        buffer[at++] = (byte)v;
        return at;
    }
}
