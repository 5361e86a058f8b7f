using Raft.Grains;
using Raft.Grains.Interfaces;
using Raft.TestingHost;

namespace Raft.Tests.Lab3;

/// <summary>
/// The grain storage a <see cref="RaftTestHarness"/> runs its peers on: how to configure the cluster (and, if the
/// provider needs it, the Raft timing), and how to read back what each peer stored, for the 3D log-size cross-check.
/// The default is the memory storage every silo of the cluster shares; a test class selects another by overriding
/// Lab3C.Storage / Lab3D.Storage (see Raft.Tests/AzureBlob/Lab3OnAzureTests.cs).
/// </summary>
public abstract class LabStorage : IAsyncDisposable
{
    public static LabStorage Memory { get; } = new MemoryLabStorage();

    /// <summary>Shown in the result line ("storage=memory").</summary>
    public abstract string Name { get; }

    /// <summary>Puts this storage into the cluster as the peers' storage provider ("Default").</summary>
    public abstract void ConfigureCluster(LabTestClusterOptions options);

    /// <summary>Adjusts Raft settings for this storage's latencies; the memory storage keeps the defaults.</summary>
    public virtual void ConfigureRaft(RaftOptions options)
    {
    }

    /// <summary>
    /// How long one test may take: 6.5840's 120 s, which assumes its timing (elections after 300–600 ms of silence). A
    /// storage that needs slower Raft timing (<see cref="ConfigureRaft"/>) allows proportionally more.
    /// </summary>
    public virtual TimeSpan TestTimeLimit => TimeSpan.FromSeconds(120);

    /// <summary>Every stored record: its state name, grain and size in bytes as stored (envelope included).</summary>
    public abstract Task<IReadOnlyList<(string StateName, GrainId GrainId, long Bytes)>> StoredRecordsAsync(LabTestCluster cluster);

    /// <summary>
    /// Completes once the writes a crashed peer had handed to storage have ended, so that what storage holds is what its
    /// next activation reads. In-process storages end a crashed writer's writes with it: nothing to wait for.
    /// </summary>
    public virtual Task WaitForWritesAsync(LabTestCluster cluster, GrainId peer) => Task.CompletedTask;

    /// <summary>Called once the test's cluster is gone (e.g. to delete what the test stored).</summary>
    public virtual ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private sealed class MemoryLabStorage : LabStorage
    {
        public override string Name => "memory";

        public override void ConfigureCluster(LabTestClusterOptions options)
        {
            // LabTestCluster creates the shared memory storage "Default" by itself.
        }

        public override Task<IReadOnlyList<(string StateName, GrainId GrainId, long Bytes)>> StoredRecordsAsync(LabTestCluster cluster) =>
            Task.FromResult<IReadOnlyList<(string, GrainId, long)>>(
                cluster.MemoryStorage!.Records.Select(r => (r.StateName, r.GrainId, (long)r.Bytes)).ToArray());
    }
}
