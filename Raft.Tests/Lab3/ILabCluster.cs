using Raft.Grains;
using Raft.Grains.Interfaces;

namespace Raft.Tests.Lab3;

/// <summary>
/// The Raft group a lab 3 test runs against, as the 6.5840 tester sees it: peers 0..N-1 to call directly, a labrpc
/// network to connect and disconnect them on, crash and restart, persisted state to read, and labrpc's counters.
/// Two hosts: grains on a test cluster in real time (<see cref="GrainLabCluster"/>), and production drivers on the
/// simulator in virtual time (<see cref="SimulatedLabCluster"/>).
/// </summary>
internal interface ILabCluster : IAsyncDisposable
{
    Task<StartResult> Start(int i, byte[] command);

    Task<RaftState> GetState(int i);

    Task<RaftStatus> GetStatus(int i);

    Task<long> GetPersistedSize(int i);

    /// <summary>Completes once peer i's current incarnation is activated (it runs its timers).</summary>
    Task Wake(int i);

    void SetConnected(int i, bool connected);

    bool Reliable { set; }

    bool LongReordering { set; }

    /// <summary>Kills peer i's incarnation: it never runs, replies or writes again; what it persisted stays.</summary>
    void Crash(int i);

    /// <summary>Waits for writes peer i's crashed incarnation had handed to storage and that may still land (remote storage).</summary>
    Task WaitForStorageWritesAsync(int i);

    /// <summary>Starts a new incarnation of peer i from its persisted state (wait for it with <see cref="Wake"/>).</summary>
    void Restart(int i);

    /// <summary>The snapshot record peer i persisted, or null if none.</summary>
    Task<RaftSnapshotRecord?> ReadPersistedSnapshotAsync(int i);

    /// <summary>Bytes of every record peer i has stored except the snapshot, as its storage holds them.</summary>
    Task<long> StoredLogBytesAsync(int i);

    /// <summary>RPCs that reached peer i (labrpc GetCount).</summary>
    long ReceivedCount(int i);

    /// <summary>Every RPC sent, dropped ones included (labrpc GetTotalCount).</summary>
    long TotalCount { get; }

    /// <summary>Request bytes of every RPC plus reply bytes of delivered replies (labrpc GetTotalBytes).</summary>
    long TotalBytes { get; }
}
