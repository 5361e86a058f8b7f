namespace Raft.Persistence.AzureStorage;

/// <summary>
/// Exponential backoff with jitter: before retry n (1-based) the nominal delay is
/// min(RetryMaxDelay, RetryBaseDelay * 2^(n-1)); the actual delay is uniformly drawn from [nominal/2, nominal].
/// The random generator is seeded from the options so that delays can be reproduced.
/// </summary>
internal sealed class BlobRetryPolicy
{
    private readonly TimeSpan _baseDelay;
    private readonly TimeSpan _maxDelay;
    private readonly Random _random;
    private readonly Lock _randomLock = new();

    public BlobRetryPolicy(AzureBlobStorageOptions options)
    {
        _baseDelay = options.RetryBaseDelay;
        _maxDelay = options.RetryMaxDelay;
        MaxRetries = options.MaxRetries;
        _random = options.RetryJitterSeed is int seed ? new Random(seed) : new Random();
    }

    public int MaxRetries { get; }

    public TimeSpan DelayBeforeRetry(int retry)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(retry, 1);
        var exponent = Math.Min(retry - 1, 30);
        var nominalTicks = Math.Min((double)_maxDelay.Ticks, _baseDelay.Ticks * Math.Pow(2, exponent));
        double fraction;
        lock (_randomLock)
        {
            fraction = _random.NextDouble();
        }
        return TimeSpan.FromTicks((long)(nominalTicks / 2 + fraction * nominalTicks / 2));
    }

    /// <summary>Statuses worth another attempt: request timeout and server errors. Every other 4xx is final.</summary>
    public static bool IsRetryableStatus(int status) => status == 408 || status >= 500;
}
