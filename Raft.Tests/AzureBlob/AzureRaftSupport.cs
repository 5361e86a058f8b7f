using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Xml.Linq;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Raft.Grains;
using Raft.Persistence.AzureStorage;
using Raft.Runtime.Hosting;
using Raft.TestingHost;
using Xunit.Abstractions;

namespace Raft.Tests.AzureBlob;

/// <summary>
/// Settings of Raft groups whose only grain storage is Azure Blob on Azurite: an outage (Azurite stopped) is noticed
/// within about a second, while a slow or briefly stalled Azurite (seconds, on a loaded machine) is only slow.
/// <list type="bullet">
/// <item>Storage: 4 retries after 100, 200, 400 and 400 ms (each jittered down to half at most), 2 s per attempt. A
/// refused connection fails a write after 5 attempts in 0.55–1.1 s, with a <c>GrainStorageException</c> naming the blob,
/// account and container. An Azurite that stops answering for up to about 10 s only delays the write (5 × 2 s + 1.1 s
/// before it fails). A retry refused because of its own earlier attempt is recognized as applied (see the provider).</item>
/// <item>Raft: 100 ms heartbeats, 750 ms per RPC, elections after 1–2 s of silence. A peer answers a RequestVote or an
/// AppendEntries only once its own write is durable, so the RPC timeout must cover a slow Azure write. With 250 ms on a
/// loaded machine, vote replies often came too late (71 RequestVote timeouts in one run of the lab's Persist23C, 24
/// with 750 ms), and in one run three candidates with the same log went 10 s without electing anyone. The leader keeps one AppendEntries in flight per follower, so a follower whose write is
/// slow hears from the leader again after at most the RPC timeout plus a heartbeat (850 ms). The election timeout
/// starts above that, so a slow write does not start an election.</item>
/// </list>
/// </summary>
internal static class AzureRaft
{
    public static void ConfigureStorage(AzureBlobStorageOptions options, AzuriteFixture azurite, string container) =>
        AzureTestStorage.Configure(options, azurite, container, TimeSpan.FromSeconds(2), maxRetries: 4, TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(400));

    public static void ConfigureRaft(RaftOptions options)
    {
        options.HeartbeatInterval = TimeSpan.FromMilliseconds(100);
        options.ElectionTimeoutMin = TimeSpan.FromMilliseconds(1000);
        options.ElectionTimeoutMax = TimeSpan.FromMilliseconds(2000);
        options.RpcTimeout = TimeSpan.FromMilliseconds(750);
    }

    /// <summary>
    /// Makes a TestCluster's only grain storage the Azure provider as "Default" (no memory storage at all), in
    /// <paramref name="container"/>, and collects the silos' logs (Information and up) in <paramref name="log"/>.
    /// <paramref name="configureStorage"/> changes the storage settings after <see cref="ConfigureStorage"/>.
    /// </summary>
    public static Action<TestClusterOptions> Cluster(
        AzuriteFixture azurite, string container, SiloLog? log = null, Action<AzureBlobStorageOptions>? configureStorage = null) => options =>
    {
        options.MemoryStorageNames.Clear();
        var inner = options.ConfigureSilo;
        options.ConfigureSilo = silo =>
        {
            inner?.Invoke(silo);
            silo.AddAzureBlobGrainStorage("Default", o =>
            {
                ConfigureStorage(o, azurite, container);
                configureStorage?.Invoke(o);
            });
            if (log is not null)
            {
                silo.Services.AddSingleton<ILoggerProvider>(log);
                silo.Services.Configure<LoggerFilterOptions>(o => o.MinLevel = LogLevel.Information);
            }
        };
    };

    /// <summary>Every blob in the container with its length (one List Blobs call, straight to the emulator).</summary>
    public static async Task<IReadOnlyList<(string Name, long Length)>> ListBlobsAsync(AzuriteFixture azurite, string container)
    {
        using var response = await AzureTestStorage.SendRawAsync(azurite, HttpMethod.Get, $"/{container}?comp=list&restype=container");
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return [];
        }
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"Listing container {container} on Azurite answered {(int)response.StatusCode}.");
        }
        var xml = XDocument.Parse(await response.Content.ReadAsStringAsync());
        return xml.Descendants("Blob")
            .Select(blob => (
                Name: blob.Element("Name")!.Value,
                Length: long.Parse(blob.Element("Properties")!.Element("Content-Length")!.Value, CultureInfo.InvariantCulture)))
            .ToArray();
    }
}

/// <summary>
/// A logger provider that keeps every silo log line with its time, for the test's output: the silos of a TestCluster log
/// nowhere by default. Thread-safe; shared by every silo (and silo restart) of one test.
/// </summary>
internal sealed class SiloLog : ILoggerProvider
{
    private readonly ConcurrentQueue<Line> _lines = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public TimeSpan Now => _clock.Elapsed;

    public IReadOnlyList<Line> Lines => _lines.ToArray();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    /// <summary>Writes the lines (optionally only those in [from, to)) to the test output, one per line.</summary>
    public void WriteTo(ITestOutputHelper output, TimeSpan? from = null, TimeSpan? to = null, Func<Line, bool>? filter = null)
    {
        foreach (var line in Lines)
        {
            if ((from is null || line.Time >= from) && (to is null || line.Time < to) && (filter is null || filter(line)))
            {
                try
                {
                    output.WriteLine(line.ToString());
                }
                catch (InvalidOperationException)
                {
                    return; // the test is over
                }
            }
        }
    }

    internal sealed record Line(TimeSpan Time, LogLevel Level, string Category, string Message, string? Exception)
    {
        public override string ToString()
        {
            var category = Category[(Category.LastIndexOf('.') + 1)..];
            var level = Level switch
            {
                LogLevel.Critical => "crit",
                LogLevel.Error => "fail",
                LogLevel.Warning => "warn",
                LogLevel.Information => "info",
                _ => "dbug",
            };
            var text = string.Create(CultureInfo.InvariantCulture, $"{Time.TotalSeconds,8:F3}s {level} {category}: {Message}");
            return Exception is null ? text : $"{text} [{Exception}]";
        }
    }

    private sealed class Logger(SiloLog owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }
            var message = formatter(state, exception);
            string? error = exception is null ? null : $"{exception.GetType().Name}: {exception.Message}";
            owner._lines.Enqueue(new Line(owner.Now, logLevel, category, message, error));
        }
    }
}
