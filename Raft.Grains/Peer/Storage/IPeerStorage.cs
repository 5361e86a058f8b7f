namespace Raft.Grains;

/// <summary>
/// One peer's named records in a grain storage provider, with the provider's ETag contract: a write or clear presents
/// the ETag its state was read or last written with and is refused with a RecordConflictException when another
/// writer changed the record since. <see cref="RaftPeerStore"/> lays Raft's durable state out over it.
/// </summary>
public interface IPeerStorage
{
    /// <summary>The provider's name, for messages.</summary>
    string Name { get; }

    /// <summary>A handle on the record <paramref name="recordName"/> (not read yet).</summary>
    IPeerRecord<T> Open<T>(string recordName);

    /// <summary>Operations issued together are applied in issue order, so a crash keeps a prefix of them.</summary>
    bool PreservesIssueOrder { get; }

    /// <summary>A write may land after the process that issued it died (a remote service): activation fences.</summary>
    bool WritesMayOutliveWriter { get; }

    /// <summary>A clear leaves a cleared marker with an ETag instead of deleting the record.</summary>
    bool ClearKeepsRecord { get; }

    /// <summary>The stored size of a record, in bytes: what 6.5840 calls the Raft state size is the sum of these.</summary>
    long Measure<T>(T record);
}
