using Microsoft.Extensions.Logging;

namespace Raft.Runtime.Activation;

internal sealed partial class ActivationData
{
    /// <summary>
    /// Waits until the writes and clears an earlier activation of this grain handed to its providers have ended (a
    /// crashed one's included: a crash does not take back a request already sent), so that this activation reads what
    /// they left, not a state they overwrite a moment later. Bounded by the providers' own operation limit; past it,
    /// this activation goes on with a warning, as after a real process crash, where a write of the dead process may land
    /// at any time: the grain's next write of that record then fails its ETag check and the grain deactivates.
    /// </summary>
    private async Task AwaitEarlierStorageOperationsAsync()
    {
        var unfinished = await Runtime.StorageOperations.WaitAsync(GrainId, Runtime.Time);
        if (unfinished.Length > 0)
        {
            logger.LogWarning(
                "Activation of {GrainId} on {Silo} goes on while {Operations} of an earlier activation has not ended within its provider's time limit; if it lands later, this activation's next write of that record fails its ETag check",
                GrainId, Runtime.SiloName, string.Join(", ", unfinished.Select(operation => operation.ToString())));
        }
    }
}
