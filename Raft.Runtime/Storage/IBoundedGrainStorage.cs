namespace Raft.Runtime.Storage;

/// <summary>
/// A grain storage provider whose every operation ends, applied or failed, within a known time (its own request
/// timeouts and retries). The runtime uses it to bound how long a new activation waits for the writes an earlier
/// activation of the same grain left in flight; for a provider without it, the silo's ActivationTimeout is the bound.
/// </summary>
public interface IBoundedGrainStorage
{
    /// <summary>The longest one read, write or clear can run, retries included.</summary>
    TimeSpan MaxOperationDuration { get; }
}
