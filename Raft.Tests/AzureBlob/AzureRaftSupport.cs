using Azure.Core;
using Azure.Storage.Blobs;
using Raft.Grains;

namespace Raft.Tests.AzureBlob;

/// <summary>
/// Settings of Raft groups whose storage is Orleans' Azure Blob provider on Azurite.
/// <list type="bullet">
/// <item>Storage (the Azure SDK's retry policy, which Orleans' provider uses as it is): 4 retries after 100 ms growing
/// to 400 ms, 2 s per attempt, so a refused connection fails a write within about a second, while a briefly stalled
/// Azurite on a loaded machine is only slow.</item>
/// <item>Raft: 100 ms heartbeats, 750 ms per RPC, elections after 1–2 s of silence. A peer answers a RequestVote or an
/// AppendEntries only once its own write is durable, so the RPC timeout must cover a slow Azure write (with 250 ms on a
/// loaded machine vote replies often came too late), and the election timeout starts above RPC timeout plus heartbeat,
/// so a slow write does not start an election.</item>
/// </list>
/// </summary>
internal static class AzureRaft
{
    public static BlobClientOptions ClientOptions() => new()
    {
        Retry =
        {
            MaxRetries = 4,
            Delay = TimeSpan.FromMilliseconds(100),
            MaxDelay = TimeSpan.FromMilliseconds(400),
            Mode = RetryMode.Exponential,
            NetworkTimeout = TimeSpan.FromSeconds(2),
        },
    };

    public static void ConfigureRaft(RaftOptions options)
    {
        options.HeartbeatInterval = TimeSpan.FromMilliseconds(100);
        options.ElectionTimeoutMin = TimeSpan.FromMilliseconds(1000);
        options.ElectionTimeoutMax = TimeSpan.FromMilliseconds(2000);
        options.RpcTimeout = TimeSpan.FromMilliseconds(750);
    }
}
