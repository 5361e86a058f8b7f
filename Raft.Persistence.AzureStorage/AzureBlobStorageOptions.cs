namespace Raft.Persistence.AzureStorage;

/// <summary>Settings of <see cref="AzureBlobGrainStorage"/>.</summary>
public sealed class AzureBlobStorageOptions
{
    /// <summary>
    /// A Shared Key connection string (<c>DefaultEndpointsProtocol=…;AccountName=…;AccountKey=…[;BlobEndpoint=…]</c>)
    /// or <c>UseDevelopmentStorage=true</c>. See <see cref="AzureStorageConnectionString"/>.
    /// </summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>The container holding one blob per grain state; created on initialization if missing.</summary>
    public string ContainerName { get; set; } = "grainstate";

    /// <summary>Time allowed for one HTTP request (connect, send, receive the whole response).</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Retries after the first attempt on 5xx, 408, timeouts and connection failures. 4xx answers are never retried.</summary>
    public int MaxRetries { get; set; } = 4;

    /// <summary>
    /// Clear deletes the blob (true) or overwrites it with an empty blob marked as cleared (false, the default), which
    /// reads as a missing record but keeps an ETag. Orleans' provider deletes by default; this one does not, because a
    /// deleted blob can be created again by a delayed "create if absent" write of a process that has died since, while
    /// a kept one refuses it. Raft peers need that (PERSISTENCE.md) and refuse to start on storage that deletes.
    /// Cleared markers are never deleted: a Raft peer leaves one empty blob per log segment it ever cleared (one per
    /// EntriesPerSegment entries compacted), which grows without bound; PERSISTENCE.md says what a safe cleanup needs.
    /// </summary>
    public bool DeleteStateOnClear { get; set; }

    /// <summary>Backoff before the first retry; doubled for every further retry, capped by <see cref="RetryMaxDelay"/>.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Upper bound of one backoff delay.</summary>
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Seed of the jitter random generator; null for an unpredictable seed. Set it to make retry delays reproducible.</summary>
    public int? RetryJitterSeed { get; set; }

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(ConnectionString))
        {
            throw new ArgumentException("AzureBlobStorageOptions.ConnectionString is not set.", nameof(ConnectionString));
        }
        ValidateContainerName(ContainerName);
        if (RequestTimeout <= TimeSpan.Zero || RequestTimeout == Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentException($"AzureBlobStorageOptions.RequestTimeout must be positive and finite (was {RequestTimeout}).", nameof(RequestTimeout));
        }
        if (MaxRetries < 0)
        {
            throw new ArgumentException($"AzureBlobStorageOptions.MaxRetries must not be negative (was {MaxRetries}).", nameof(MaxRetries));
        }
        if (RetryBaseDelay < TimeSpan.Zero || RetryMaxDelay < RetryBaseDelay)
        {
            throw new ArgumentException(
                $"AzureBlobStorageOptions.RetryBaseDelay ({RetryBaseDelay}) must be non-negative and not above RetryMaxDelay ({RetryMaxDelay}).",
                nameof(RetryBaseDelay));
        }
    }

    /// <summary>Azure container names: 3 to 63 characters, lower-case letters, digits and single hyphens, starting and ending with a letter or digit.</summary>
    internal static void ValidateContainerName(string? name)
    {
        var valid = name is { Length: >= 3 and <= 63 }
            && char.IsAsciiLetterOrDigit(name[0])
            && char.IsAsciiLetterOrDigit(name[^1])
            && !name.Contains("--", StringComparison.Ordinal);
        if (valid)
        {
            foreach (var c in name!)
            {
                if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-'))
                {
                    valid = false;
                    break;
                }
            }
        }
        if (!valid)
        {
            throw new ArgumentException(
                $"AzureBlobStorageOptions.ContainerName '{name}' is not a valid Azure container name " +
                "(3-63 characters: lower-case letters, digits and single hyphens, starting and ending with a letter or digit).",
                nameof(ContainerName));
        }
    }
}
