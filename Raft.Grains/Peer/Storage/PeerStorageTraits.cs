namespace Raft.Grains;

/// <summary>
/// How a grain storage provider behaves where Raft's crash reasoning depends on it (<see cref="IPeerStorage"/> has the
/// meaning of each). Registered per provider name as a keyed singleton (<c>services.AddKeyedSingleton(name, traits)</c>);
/// a provider without one gets <see cref="Unknown"/>, which assumes the least.
/// </summary>
public sealed record PeerStorageTraits(bool PreservesIssueOrder, bool WritesMayOutliveWriter, bool ClearKeepsRecord)
{
    /// <summary>
    /// Nothing known: writes are awaited one by one and activation fences every record it read, which is safe on any
    /// provider with Orleans' ETag contract, at the cost of a write per record at activation.
    /// </summary>
    public static PeerStorageTraits Unknown { get; } = new(PreservesIssueOrder: false, WritesMayOutliveWriter: true, ClearKeepsRecord: false);

    /// <summary>
    /// Orleans' Azure Blob provider: a request already sent lands or fails on its own, later; a clear deletes the blob
    /// (DeleteStateOnClear, its default).
    /// </summary>
    public static PeerStorageTraits AzureBlob { get; } = new(PreservesIssueOrder: false, WritesMayOutliveWriter: true, ClearKeepsRecord: false);

    /// <summary>
    /// A provider inside the silo's process that applies operations in issue order (our SQLite provider): its writes end
    /// with the process.
    /// </summary>
    public static PeerStorageTraits InProcessOrdered { get; } = new(PreservesIssueOrder: true, WritesMayOutliveWriter: false, ClearKeepsRecord: false);
}
