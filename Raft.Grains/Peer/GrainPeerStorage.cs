using Raft.Runtime;
using Raft.Runtime.Storage;

namespace Raft.Grains;

/// <summary>A peer's records as persistent states of its grain activation, in the named grain storage provider.</summary>
public sealed class GrainPeerStorage(
    IPersistentStateFactory factory, IGrainContext context, string storageName, IGrainStorageSerializer serializer) : IPeerStorage
{
    public string Name => storageName;

    public IPersistentState<T> Open<T>(string recordName) =>
        factory.Create<T>(context, new PersistentStateConfiguration(recordName, storageName));

    public bool PreservesIssueOrder => factory.PreservesIssueOrder(storageName);

    public bool WritesMayOutliveWriter => factory.WritesMayOutliveWriter(storageName);

    public bool ClearKeepsRecord => factory.ClearKeepsRecord(storageName);

    public long Measure<T>(T record) => serializer.Serialize(record).Length + StoredRecord.HeaderSize;
}
