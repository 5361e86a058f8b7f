using Azure.Core;

namespace Raft.Silo;

/// <summary>
/// Retry and timeout settings shared by the silo's Azure clients (blob storage, table membership). The SDK's defaults
/// wait up to 100 s for one request: a stalled endpoint would then hold a Raft write, or a silo's start, for minutes.
/// </summary>
internal static class AzureClientDefaults
{
    public static T Apply<T>(T options) where T : ClientOptions
    {
        options.Retry.Mode = RetryMode.Exponential;
        options.Retry.MaxRetries = 3;
        options.Retry.Delay = TimeSpan.FromMilliseconds(200);
        options.Retry.MaxDelay = TimeSpan.FromSeconds(2);
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(10);
        return options;
    }
}
