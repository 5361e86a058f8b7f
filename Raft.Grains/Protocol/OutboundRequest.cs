using Raft.Grains.Interfaces;

namespace Raft.Grains.Protocol;

/// <summary>What the leader sends one follower next: exactly one of the two requests is set.</summary>
public sealed record OutboundRequest
{
    private OutboundRequest(AppendEntriesRequest? appendEntries, InstallSnapshotRequest? installSnapshot)
    {
        AppendEntries = appendEntries;
        InstallSnapshot = installSnapshot;
    }

    public AppendEntriesRequest? AppendEntries { get; }

    public InstallSnapshotRequest? InstallSnapshot { get; }

    public bool IsSnapshot => InstallSnapshot is not null;

    public static OutboundRequest Append(AppendEntriesRequest request) => new(request, null);

    public static OutboundRequest Snapshot(InstallSnapshotRequest request) => new(null, request);
}
