using Microsoft.Extensions.Logging;
using Raft.Persistence.AzureStorage;
using Raft.Runtime.Storage;

namespace Raft.Tests.AzureBlob;

/// <summary>The state the Azure tests store.</summary>
public sealed class AzureTestState
{
    public string Name { get; set; } = "";

    public int Counter { get; set; }

    public List<string> Items { get; set; } = [];
}

/// <summary>Keeps every log entry with its structured fields.</summary>
internal sealed class ListLogger<T> : ILogger<T>
{
    private readonly Lock _gate = new();
    private readonly List<LogEntry> _entries = [];

    public IReadOnlyList<LogEntry> Entries
    {
        get
        {
            lock (_gate)
            {
                return [.. _entries];
            }
        }
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        var fields = state as IReadOnlyList<KeyValuePair<string, object?>> ?? [];
        lock (_gate)
        {
            _entries.Add(new LogEntry(logLevel, eventId, fields.ToDictionary(f => f.Key, f => f.Value), formatter(state, exception)));
        }
    }
}

internal sealed record LogEntry(LogLevel Level, EventId EventId, IReadOnlyDictionary<string, object?> Fields, string Message);

/// <summary>The system clock, remembering the due time of every timer created through it (Task.Delay, timeouts).</summary>
internal sealed class RecordingTimeProvider : TimeProvider
{
    private readonly Lock _gate = new();
    private readonly List<TimeSpan> _dueTimes = [];

    public IReadOnlyList<TimeSpan> DueTimes
    {
        get
        {
            lock (_gate)
            {
                return [.. _dueTimes];
            }
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        lock (_gate)
        {
            _dueTimes.Add(dueTime);
        }
        return base.CreateTimer(callback, state, dueTime, period);
    }
}

internal static class AzureTestStorage
{
    /// <summary>The provider tests' settings (the Raft tests have their own: AzureRaft): quick retries, 5 s per attempt.</summary>
    public static void Configure(AzureBlobStorageOptions options, AzuriteFixture azurite, string container) =>
        Configure(options, azurite, container, TimeSpan.FromSeconds(5), maxRetries: 2, TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(400));

    /// <summary>Points <paramref name="options"/> at <paramref name="container"/> on Azurite with the given attempt time and retries.</summary>
    public static void Configure(
        AzureBlobStorageOptions options, AzuriteFixture azurite, string container,
        TimeSpan requestTimeout, int maxRetries, TimeSpan retryBaseDelay, TimeSpan retryMaxDelay)
    {
        options.ConnectionString = azurite.ConnectionString;
        options.ContainerName = container;
        options.RequestTimeout = requestTimeout;
        options.MaxRetries = maxRetries;
        options.RetryBaseDelay = retryBaseDelay;
        options.RetryMaxDelay = retryMaxDelay;
    }

    /// <summary><see cref="Configure"/>'s settings with a fixed jitter seed, for a provider a test creates itself.</summary>
    public static AzureBlobStorageOptions Options(AzuriteFixture azurite, string container = "grainstate")
    {
        var options = new AzureBlobStorageOptions { RetryJitterSeed = 7 };
        Configure(options, azurite, container);
        return options;
    }

    public static AzureBlobGrainStorage Create(AzureBlobStorageOptions options, ILogger<AzureBlobGrainStorage>? logger = null, TimeProvider? timeProvider = null) =>
        new(options, new JsonGrainStorageSerializer(), logger, timeProvider);

    public static string UniqueContainer(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(63, prefix.Length + 33)];

    /// <summary>Deletes a container and everything in it (a missing container is fine).</summary>
    public static async Task DeleteContainerAsync(AzuriteFixture azurite, string container)
    {
        using var response = await SendRawAsync(azurite, HttpMethod.Delete, $"/{container}?restype=container");
        if (response.StatusCode is not (System.Net.HttpStatusCode.Accepted or System.Net.HttpStatusCode.NotFound))
        {
            throw new InvalidOperationException($"Deleting container {container} on Azurite answered {(int)response.StatusCode}.");
        }
    }

    /// <summary>A signed request straight to the emulator, bypassing the provider (to plant garbage or inspect blobs).</summary>
    public static async Task<HttpResponseMessage> SendRawAsync(AzuriteFixture azurite, HttpMethod method, string pathBelowAccount, byte[]? body = null)
    {
        var request = new HttpRequestMessage(method, new Uri(azurite.BlobEndpoint + pathBelowAccount, new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true }));
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Headers.TryAddWithoutValidation("x-ms-blob-type", "BlockBlob");
        }
        request.Headers.TryAddWithoutValidation("x-ms-date", DateTimeOffset.UtcNow.ToString("R", System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation("x-ms-version", AzureBlobGrainStorage.ApiVersion);
        new SharedKeySigner(AzureStorageConnectionString.DevelopmentAccountName, AzureStorageConnectionString.DevelopmentAccountKey).Sign(request);
        using var client = new HttpClient();
        using (request)
        {
            return await client.SendAsync(request);
        }
    }
}
