namespace Raft.Grains;

/// <summary>
/// How a grain storage provider behaves where Raft's crash reasoning depends on it (<see cref="IPeerStorage"/> has the
/// meaning of each). Registered per provider name as a keyed singleton (<c>services.AddKeyedSingleton(name, traits)</c>);
/// a silo whose Raft storage has none does not start: no assumption is safe for every provider.
/// </summary>
public sealed record PeerStorageTraits(bool PreservesIssueOrder, bool WritesMayOutliveWriter, bool ClearKeepsRecord)
{
    /// <summary>
    /// Orleans' Azure Blob provider configured with DeleteStateOnClear = false (Orleans' default is true): a request
    /// already sent lands or fails on its own, later, and a clear uploads an empty blob, a marker with an ETag of its own.
    /// A peer refuses to start on storage whose writes may outlive their writer and whose clears delete
    /// (PERSISTENCE.md), so a provider left deleting on clear must not be declared with these traits.
    /// </summary>
    public static PeerStorageTraits AzureBlob { get; } = new(PreservesIssueOrder: false, WritesMayOutliveWriter: true, ClearKeepsRecord: true);

    /// <summary>
    /// A provider inside the silo's process that applies operations in issue order (our SQLite provider): its writes end
    /// with the process.
    /// </summary>
    public static PeerStorageTraits InProcessOrdered { get; } = new(PreservesIssueOrder: true, WritesMayOutliveWriter: false, ClearKeepsRecord: false);
}
