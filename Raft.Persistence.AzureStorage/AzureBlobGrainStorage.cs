using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Xml.Linq;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Raft.Runtime;
using Raft.Runtime.Storage;

namespace Raft.Persistence.AzureStorage;

/// <summary>
/// Grain storage on Azure Blob storage (or Azurite) through the Blob REST API with Shared Key authorization,
/// following the Orleans Azure Blob provider: one block blob per grain state, named
/// <c>{stateName}-{grainType}/{key}</c>, in one container (default "grainstate").
/// <list type="bullet">
/// <item>The blob holds <see cref="StoredRecord"/>.Encode(serialized state); reads decode it under the blob's name, so an
/// edited or torn blob raises <see cref="CorruptRecordException"/> naming the blob.</item>
/// <item>The grain's ETag is the blob's ETag. A write sends <c>If-None-Match: *</c> when the grain holds no ETag and
/// <c>If-Match</c> otherwise; 409 or 412 becomes <see cref="InconsistentStateException"/>, carrying the blob's current ETag (one HEAD).</item>
/// <item>Reading a missing blob gives a fresh state, a null ETag and RecordExists = false.</item>
/// <item>Clear overwrites the blob with an empty blob marked as cleared, under the same condition as a write, which reads
/// back as a missing record that keeps its ETag; or (DeleteStateOnClear = true) deletes the blob with If-Match (a grain
/// without an ETag only checks that no blob exists).</item>
/// <item>5xx, 408, timeouts and connection failures are retried with exponential backoff and jitter; 4xx never is.
/// Anything else ends in <see cref="GrainStorageException"/> naming the account, container, blob and last error.</item>
/// <item>A write is not idempotent under its condition: an attempt whose answer was lost (a timeout, a dropped
/// connection, a 5xx) may have been applied, and its retry is then refused (409/412) because of that very write. So a
/// retried write that is refused reads the blob back: holding exactly the bytes (and cleared marker) this write sent,
/// it is this write, and its ETag is taken; anything else is a real conflict.</item>
/// </list>
/// Awaits are plain (no ConfigureAwait(false)) so that grain code keeps running on its own scheduler.
/// </summary>
public sealed partial class AzureBlobGrainStorage : IGrainStorage, IBoundedGrainStorage, IDisposable
{
    /// <summary>The REST API version sent as x-ms-version.</summary>
    public const string ApiVersion = "2021-08-06";

    /// <summary>Metadata header marking the empty blob written by a clear when DeleteStateOnClear is false.</summary>
    internal const string ClearedMetadataHeader = "x-ms-meta-raftorleanscleared";

    private const int MaxBlobNameLength = 1024;

    private readonly AzureBlobStorageOptions _options;
    private readonly IGrainStorageSerializer _serializer;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly SharedKeySigner _signer;
    private readonly BlobRetryPolicy _retry;
    private readonly HttpClient _http;
    private readonly string _endpoint;

    public AzureBlobGrainStorage(
        IOptions<AzureBlobStorageOptions> options,
        IGrainStorageSerializer serializer,
        ILogger<AzureBlobGrainStorage> logger,
        TimeProvider timeProvider)
        : this((options ?? throw new ArgumentNullException(nameof(options))).Value, serializer, logger, timeProvider)
    {
    }

    public AzureBlobGrainStorage(
        AzureBlobStorageOptions options,
        IGrainStorageSerializer serializer,
        ILogger<AzureBlobGrainStorage>? logger = null,
        TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(serializer);
        options.Validate();
        _options = new AzureBlobStorageOptions
        {
            ConnectionString = options.ConnectionString,
            ContainerName = options.ContainerName,
            RequestTimeout = options.RequestTimeout,
            MaxRetries = options.MaxRetries,
            DeleteStateOnClear = options.DeleteStateOnClear,
            RetryBaseDelay = options.RetryBaseDelay,
            RetryMaxDelay = options.RetryMaxDelay,
            RetryJitterSeed = options.RetryJitterSeed,
        };
        var account = AzureStorageConnectionString.Parse(_options.ConnectionString);
        _serializer = serializer;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _time = timeProvider ?? TimeProvider.System;
        _signer = account.CreateSigner();
        _retry = new BlobRetryPolicy(_options);
        AccountName = account.AccountName;
        BlobEndpoint = account.BlobEndpoint;
        _endpoint = account.BlobEndpoint.GetLeftPart(UriPartial.Path).TrimEnd('/');
        _http = new HttpClient(new SocketsHttpHandler
        {
            ConnectTimeout = _options.RequestTimeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            AllowAutoRedirect = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
        })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    public string AccountName { get; }

    public string ContainerName => _options.ContainerName;

    public Uri BlobEndpoint { get; }

    /// <summary>
    /// The longest a read, write or clear runs: up to four request sequences one after the other (the write, the
    /// container created again and the write repeated, then a read-back or a HEAD after a refusal), each of at most
    /// MaxRetries + 1 attempts of RequestTimeout with the backoffs between them.
    /// </summary>
    public TimeSpan MaxOperationDuration =>
        4 * ((_options.MaxRetries + 1) * _options.RequestTimeout + _options.MaxRetries * _options.RetryMaxDelay);

    /// <summary>A request already sent to the storage service lands or fails on its own, also after the sender died.</summary>
    public bool WritesMayOutliveWriter => true;

    /// <summary>True unless DeleteStateOnClear: a clear then writes a cleared marker blob, which keeps an ETag.</summary>
    public bool ClearKeepsRecord => !_options.DeleteStateOnClear;

    /// <summary>The blob holding one grain state: <c>{stateName}-{grainType}/{key}</c>.</summary>
    public static string GetBlobName(string stateName, GrainId grainId)
    {
        ArgumentException.ThrowIfNullOrEmpty(stateName);
        if (string.IsNullOrEmpty(grainId.Type) || grainId.Key is null)
        {
            throw new ArgumentException($"Grain id '{grainId}' has no type or key.", nameof(grainId));
        }
        var name = $"{stateName}-{grainId.Type}/{grainId.Key}";
        if (name.Length > MaxBlobNameLength)
        {
            throw new ArgumentException(
                $"Blob name for state '{stateName}' of grain '{grainId}' is {name.Length} characters; Azure allows {MaxBlobNameLength}.",
                nameof(grainId));
        }
        if (name.EndsWith('/') || name.EndsWith('.') || name.Split('/').Any(segment => segment is "." or ".."))
        {
            throw new ArgumentException(
                $"Blob name '{name}' for grain '{grainId}' is not usable on Azure Blob storage: it must not end with '/' or '.', nor contain '.' or '..' path segments.",
                nameof(grainId));
        }
        return name;
    }

    /// <summary>The blob's URL path below the endpoint: <c>/{container}/{escaped blob name}</c>, each '/'-separated part escaped.</summary>
    public string GetBlobPath(string blobName) =>
        "/" + ContainerName + "/" + string.Join('/', blobName.Split('/').Select(Uri.EscapeDataString));

    /// <summary>An absolute URL below the endpoint, sent exactly as given (no path canonicalization), so that it matches the signature.</summary>
    public Uri GetRequestUri(string pathAndQuery) =>
        new(_endpoint + pathAndQuery, new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });

    /// <summary>
    /// Creates the container (an existing one is fine). The whole call, retries included, is bounded by RequestTimeout.
    /// Throws <see cref="GrainStorageException"/> when the key is refused or the endpoint does not answer.
    /// </summary>
    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        var deadline = _time.GetUtcNow() + _options.RequestTimeout;
        var response = await SendAsync("create container", null, CreateContainerRequest, deadline, cancellationToken);
        if (!IsContainerReady(response))
        {
            throw Failure("create container", null, response);
        }
    }

    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var blobName = GetBlobName(stateName, grainId);
        var response = await SendAsync("read", blobName, () => new HttpRequestMessage(HttpMethod.Get, GetRequestUri(GetBlobPath(blobName))), null, CancellationToken.None);
        switch (response.Status)
        {
            case 200 when response.IsClearedMarker && response.Body.Length == 0:
                grainState.State = FreshState.Create<T>();
                grainState.ETag = response.ETag;
                grainState.RecordExists = false;
                return;
            case 200:
                var payload = StoredRecord.Decode(response.Body, blobName);
                T state;
                try
                {
                    state = _serializer.Deserialize<T>(payload);
                }
                catch (Exception e)
                {
                    throw new GrainStorageException(
                        $"{Describe("read", blobName)}: the stored record passed its checksum but could not be deserialized as {typeof(T).FullName}: {e.Message}", e);
                }
                grainState.State = state;
                grainState.ETag = response.ETag;
                grainState.RecordExists = true;
                return;
            case 404:
                grainState.State = FreshState.Create<T>();
                grainState.ETag = null;
                grainState.RecordExists = false;
                return;
            default:
                throw Failure("read", blobName, response);
        }
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var blobName = GetBlobName(stateName, grainId);
        var record = StoredRecord.Encode(_serializer.Serialize(grainState.State).Span);
        var eTag = await PutBlobAsync("write", blobName, record, grainState.ETag, cleared: false);
        grainState.ETag = eTag;
        grainState.RecordExists = true;
    }

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var blobName = GetBlobName(stateName, grainId);
        if (_options.DeleteStateOnClear)
        {
            var currentETag = grainState.ETag;
            if (currentETag is null)
            {
                // "No ETag" means the caller believes there is no record. Delete Blob has no reliable "only if absent"
                // condition (Azurite ignores If-None-Match: * on delete and deletes), so check instead: an absent blob
                // makes the clear a no-op, a present one is a conflict. Nothing is deleted either way.
                var head = await SendAsync("clear", blobName, () => new HttpRequestMessage(HttpMethod.Head, GetRequestUri(GetBlobPath(blobName))), null, CancellationToken.None);
                switch (head.Status)
                {
                    case 404:
                        break;
                    case 200:
                        throw Inconsistent("clear", blobName, currentETag, head, head.ETag);
                    default:
                        throw Failure("clear", blobName, head);
                }
            }
            else
            {
                var response = await SendAsync("clear", blobName, () =>
                {
                    var request = new HttpRequestMessage(HttpMethod.Delete, GetRequestUri(GetBlobPath(blobName)));
                    AddCondition(request, currentETag);
                    return request;
                }, null, CancellationToken.None);
                switch (response.Status)
                {
                    case 202:
                    case 404:
                        break;
                    case 409:
                    case 412:
                        throw await ConflictAsync("clear", blobName, currentETag, response);
                    default:
                        throw Failure("clear", blobName, response);
                }
            }
            grainState.ETag = null;
        }
        else
        {
            grainState.ETag = await PutBlobAsync("clear", blobName, [], grainState.ETag, cleared: true);
        }
        grainState.State = FreshState.Create<T>();
        grainState.RecordExists = false;
    }

    public void Dispose() => _http.Dispose();

    private async Task<string?> PutBlobAsync(string operation, string blobName, byte[] content, string? currentETag, bool cleared)
    {
        HttpRequestMessage BuildPut()
        {
            var request = new HttpRequestMessage(HttpMethod.Put, GetRequestUri(GetBlobPath(blobName)))
            {
                Content = new ByteArrayContent(content),
            };
            request.Headers.TryAddWithoutValidation("x-ms-blob-type", "BlockBlob");
            if (cleared)
            {
                request.Headers.TryAddWithoutValidation(ClearedMetadataHeader, "true");
            }
            AddCondition(request, currentETag);
            return request;
        }

        var response = await SendAsync(operation, blobName, BuildPut, null, CancellationToken.None);
        var retried = response.Attempts > 1;
        if (response.Status == 404 && response.ErrorCode == "ContainerNotFound")
        {
            await EnsureContainerAsync(blobName);
            response = await SendAsync(operation, blobName, BuildPut, null, CancellationToken.None);
            retried |= response.Attempts > 1;
        }
        switch (response.Status)
        {
            case 201:
                return response.ETag;
            case 409 or 412:
                if (retried && await StoredByThisWriteAsync(operation, blobName, content, cleared) is { } eTag)
                {
                    LogLostAnswerResolved(_logger, operation, blobName, ContainerName, response.Status, eTag);
                    return eTag;
                }
                throw await ConflictAsync(operation, blobName, currentETag, response);
            case 404 when response.ErrorCode == "BlobNotFound":
                throw await ConflictAsync(operation, blobName, currentETag, response);
            default:
                throw Failure(operation, blobName, response);
        }
    }

    /// <summary>
    /// After a retried write was refused: the blob's ETag when it holds exactly what this write sent (an earlier attempt
    /// of it was applied and only its answer was lost), else null. A failed read also gives null: the refusal stands.
    /// </summary>
    private async Task<string?> StoredByThisWriteAsync(string operation, string blobName, byte[] content, bool cleared)
    {
        BlobResponse stored;
        try
        {
            stored = await SendAsync(operation, blobName, () => new HttpRequestMessage(HttpMethod.Get, GetRequestUri(GetBlobPath(blobName))), null, CancellationToken.None);
        }
        catch (GrainStorageException)
        {
            return null;
        }
        return stored.Status == 200 && stored.IsClearedMarker == cleared && stored.Body.AsSpan().SequenceEqual(content)
            ? stored.ETag
            : null;
    }

    /// <summary>
    /// The exception for a refused conditional write or delete. The refusal does not say which ETag the blob has, so
    /// it is looked up (one HEAD) for <see cref="InconsistentStateException.StoredEtag"/>: null when the blob is gone,
    /// and also when the lookup itself fails, which must not hide the conflict.
    /// </summary>
    private async Task<InconsistentStateException> ConflictAsync(string operation, string blobName, string? currentETag, BlobResponse response)
    {
        string? storedETag = null;
        try
        {
            var head = await SendAsync(operation, blobName, () => new HttpRequestMessage(HttpMethod.Head, GetRequestUri(GetBlobPath(blobName))), null, CancellationToken.None);
            if (head.Status == 200)
            {
                storedETag = head.ETag;
            }
        }
        catch (GrainStorageException)
        {
        }
        return Inconsistent(operation, blobName, currentETag, response, storedETag);
    }

    private async Task EnsureContainerAsync(string blobName)
    {
        var response = await SendAsync("create container", blobName, CreateContainerRequest, null, CancellationToken.None);
        if (!IsContainerReady(response))
        {
            throw Failure("create container", blobName, response);
        }
    }

    private HttpRequestMessage CreateContainerRequest() =>
        new(HttpMethod.Put, GetRequestUri("/" + ContainerName + "?restype=container"));

    private bool IsContainerReady(BlobResponse response)
    {
        if (response.Status == 201)
        {
            LogContainerCreated(_logger, ContainerName, AccountName);
            return true;
        }
        return response.Status == 409 && response.ErrorCode == "ContainerAlreadyExists";
    }

    private static void AddCondition(HttpRequestMessage request, string? currentETag)
    {
        if (currentETag is null)
        {
            request.Headers.TryAddWithoutValidation("If-None-Match", "*");
        }
        else
        {
            request.Headers.TryAddWithoutValidation("If-Match", currentETag);
        }
    }

    /// <summary>
    /// Sends a request built afresh for every attempt, retrying 5xx, 408, timeouts and connection failures.
    /// Returns any other response for the caller to interpret. With a deadline, attempts and delays stop there.
    /// </summary>
    private async Task<BlobResponse> SendAsync(
        string operation,
        string? blobName,
        Func<HttpRequestMessage> buildRequest,
        DateTimeOffset? deadline,
        CancellationToken cancellationToken)
    {
        var attempts = 0;
        var lastFailure = "no attempt was made";
        Exception? lastException = null;
        for (var retry = 0; ; retry++)
        {
            var attemptTimeout = _options.RequestTimeout;
            if (deadline is { } end)
            {
                var remaining = end - _time.GetUtcNow();
                if (remaining <= TimeSpan.Zero)
                {
                    break;
                }
                if (remaining < attemptTimeout)
                {
                    attemptTimeout = remaining;
                }
            }

            attempts++;
            using (var timeout = new CancellationTokenSource(attemptTimeout, _time))
            using (var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token))
            {
                try
                {
                    using var request = buildRequest();
                    request.Headers.TryAddWithoutValidation("x-ms-date", _time.GetUtcNow().ToString("R", CultureInfo.InvariantCulture));
                    request.Headers.TryAddWithoutValidation("x-ms-version", ApiVersion);
                    _signer.Sign(request);
                    using var httpResponse = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, linked.Token);
                    var body = await httpResponse.Content.ReadAsByteArrayAsync(linked.Token);
                    var response = BlobResponse.From(httpResponse, body, attempts);
                    if (!BlobRetryPolicy.IsRetryableStatus(response.Status))
                    {
                        return response;
                    }
                    lastFailure = response.Describe();
                    lastException = null;
                }
                catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
                {
                    lastFailure = $"no response within {attemptTimeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s";
                    lastException = e;
                }
                catch (HttpRequestException e)
                {
                    lastFailure = DescribeConnectionFailure(e);
                    lastException = e;
                }
                catch (IOException e)
                {
                    lastFailure = $"connection failed: {e.Message}";
                    lastException = e;
                }
            }

            if (retry >= _retry.MaxRetries)
            {
                break;
            }
            var delay = _retry.DelayBeforeRetry(retry + 1);
            if (deadline is { } stop && _time.GetUtcNow() + delay >= stop)
            {
                break;
            }
            LogRetry(_logger, operation, blobName ?? "", ContainerName, AccountName, _endpoint, lastFailure, retry + 1, _retry.MaxRetries, delay.TotalMilliseconds);
            await Task.Delay(delay, _time, cancellationToken);
        }

        LogGaveUp(_logger, operation, blobName ?? "", ContainerName, AccountName, _endpoint, lastFailure, attempts);
        var what = deadline is null
            ? $"{Describe(operation, blobName)} failed after {attempts} attempt(s)"
            : $"{Describe(operation, blobName)} failed within the request timeout of {_options.RequestTimeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s ({attempts} attempt(s))";
        throw new GrainStorageException($"{what}; last error: {lastFailure}.", lastException);
    }

    private static string DescribeConnectionFailure(HttpRequestException e)
    {
        var socket = e.InnerException as SocketException ?? e.InnerException?.InnerException as SocketException;
        return socket is null
            ? $"connection failed ({e.HttpRequestError}): {e.Message}"
            : $"connection failed ({socket.SocketErrorCode}): {e.Message}";
    }

    private string Describe(string operation, string? blobName) =>
        blobName is null
            ? $"Azure Blob storage {operation} for account '{AccountName}' container '{ContainerName}' at endpoint {_endpoint}"
            : $"Azure Blob storage {operation} of blob '{blobName}' in account '{AccountName}' container '{ContainerName}' at endpoint {_endpoint}";

    private GrainStorageException Failure(string operation, string? blobName, BlobResponse response)
    {
        if (response.Status == 403)
        {
            return new GrainStorageException(
                $"Azure Blob storage: authorization failed for account '{AccountName}' container '{ContainerName}' (check the account key); " +
                $"{operation}{(blobName is null ? "" : $" of blob '{blobName}'")} at endpoint {_endpoint} got {response.Describe()}.");
        }
        return new GrainStorageException($"{Describe(operation, blobName)} failed: {response.Describe()}.");
    }

    private InconsistentStateException Inconsistent(string operation, string blobName, string? currentETag, BlobResponse response, string? storedETag = null) =>
        new(
            $"Azure Blob storage {operation} of blob '{blobName}' in container '{ContainerName}': the stored blob " +
            $"{(storedETag is null ? "" : $"(ETag {storedETag}) ")}does not match ETag " +
            $"{currentETag ?? "(none: the blob must not exist)"} ({(response.Status == 200 ? "it exists" : response.Describe())}); another writer got there first.",
            storedEtag: storedETag,
            currentEtag: currentETag);

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning,
        Message = "Azure Blob {Operation} of {BlobName} (account {Account}, container {Container}, endpoint {Endpoint}) failed: {Failure}; retry {Retry} of {MaxRetries} in {DelayMs} ms")]
    private static partial void LogRetry(ILogger logger, string operation, string blobName, string container, string account, string endpoint, string failure, int retry, int maxRetries, double delayMs);

    [LoggerMessage(EventId = 2, Level = LogLevel.Error,
        Message = "Azure Blob {Operation} of {BlobName} (account {Account}, container {Container}, endpoint {Endpoint}) gave up after {Attempts} attempts: {Failure}")]
    private static partial void LogGaveUp(ILogger logger, string operation, string blobName, string container, string account, string endpoint, string failure, int attempts);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Created Azure Blob container {Container} in account {Account}")]
    private static partial void LogContainerCreated(ILogger logger, string container, string account);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information,
        Message = "Azure Blob {Operation} of {BlobName} (container {Container}): the retry was refused with HTTP {Status}, but the blob holds exactly what this write sent, so an earlier attempt was applied and only its answer was lost; ETag {ETag}")]
    private static partial void LogLostAnswerResolved(ILogger logger, string operation, string blobName, string container, int status, string? eTag);

    /// <summary>What the storage provider needs from one HTTP response.</summary>
    private sealed class BlobResponse
    {
        private BlobResponse(int status, string? errorCode, string? errorMessage, string? eTag, byte[] body, bool isClearedMarker, int attempts)
        {
            Attempts = attempts;
            Status = status;
            ErrorCode = errorCode;
            ErrorMessage = errorMessage;
            ETag = eTag;
            Body = body;
            IsClearedMarker = isClearedMarker;
        }

        public int Status { get; }

        public string? ErrorCode { get; }

        public string? ErrorMessage { get; }

        public string? ETag { get; }

        public byte[] Body { get; }

        public bool IsClearedMarker { get; }

        /// <summary>Attempts made for this answer: more than one means an earlier attempt's outcome is unknown.</summary>
        public int Attempts { get; }

        public static BlobResponse From(HttpResponseMessage response, byte[] body, int attempts)
        {
            var status = (int)response.StatusCode;
            string? errorCode = response.Headers.NonValidated.TryGetValues("x-ms-error-code", out var codes) ? codes.ToString() : null;
            string? errorMessage = null;
            if (status >= 300 && body.Length > 0)
            {
                try
                {
                    var error = XDocument.Parse(System.Text.Encoding.UTF8.GetString(body)).Root;
                    errorCode ??= error?.Element("Code")?.Value;
                    errorMessage = error?.Element("Message")?.Value?.Split('\n')[0].Trim();
                }
                catch (System.Xml.XmlException)
                {
                }
            }
            var eTag = response.Headers.NonValidated.TryGetValues("ETag", out var tags) ? tags.ToString() : null;
            var cleared = response.Headers.NonValidated.TryGetValues(ClearedMetadataHeader, out var marker)
                && string.Equals(marker.ToString(), "true", StringComparison.OrdinalIgnoreCase);
            return new BlobResponse(status, errorCode, errorMessage, eTag, status >= 300 ? [] : body, cleared, attempts);
        }

        public string Describe()
        {
            var text = $"HTTP {Status}";
            if (ErrorCode is not null)
            {
                text += " " + ErrorCode;
            }
            if (!string.IsNullOrEmpty(ErrorMessage))
            {
                text += $" ({ErrorMessage})";
            }
            return text;
        }
    }
}
