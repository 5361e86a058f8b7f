using Microsoft.Extensions.Logging;

namespace Raft.Runtime.Activation;

internal sealed partial class ActivationData
{
    /// <summary>
    /// Waits until the writes and clears an earlier activation of this grain handed to its providers have ended (a
    /// crashed one's included: a crash does not take back a request already sent), so that this activation reads what
    /// they left, not a state they overwrite a moment later. Bounded by the providers' own operation limit; past it,
    /// this activation goes on with a warning, as after a real process crash, where a write of the dead process may land
    /// at any time. A grain that fences at activation (a Raft peer on storage whose writes may outlive their writer) has
    /// then rewritten every record it read, so the late write fails its own ETag check; where it lands before that
    /// grain's fence write, or on a grain that does not fence, that grain's next write of the record fails its ETag
    /// check and the grain deactivates.
    /// </summary>
    private async Task AwaitEarlierStorageOperationsAsync()
    {
        var unfinished = await Runtime.StorageOperations.WaitAsync(GrainId, Runtime.Time);
        if (unfinished.Length > 0)
        {
            logger.LogWarning(
                "Activation of {GrainId} on {Silo} goes on while {Operations} of an earlier activation has not ended within its provider's time limit; if it lands later, it fails its ETag check against this activation's writes of that record (a grain that fences at activation has rewritten every record it read), or this activation's next write of that record fails its ETag check and the grain deactivates",
                GrainId, Runtime.SiloName, string.Join(", ", unfinished.Select(operation => operation.ToString())));
        }
    }
}
