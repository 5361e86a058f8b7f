using System.Diagnostics;

namespace Raft.Grains;

/// <summary>
/// What one <see cref="RaftPeer"/> records into <see cref="RaftMetrics"/>, tagged raft.group and raft.peer (and
/// raft.follower for per-follower measurements). Durations are given, not measured here: the driver measures them on its
/// host's clock, virtual in simulation.
/// </summary>
public sealed class PeerMetrics
{
    private readonly RaftMetrics _metrics;
    private readonly TagList _tags;

    internal PeerMetrics(RaftMetrics metrics, string peerId)
    {
        _metrics = metrics;
        var slash = peerId.LastIndexOf('/');
        _tags = new TagList { { "raft.group", slash > 0 ? peerId[..slash] : peerId }, { "raft.peer", peerId } };
    }

    public void Proposed(long entries) => _metrics.Proposals.Add(entries, _tags);

    public void Committed(long entries) => _metrics.Commits.Add(entries, _tags);

    public void Applied(long entries) => _metrics.Applies.Add(entries, _tags);

    public void ElectionStarted() => _metrics.Elections.Add(1, _tags);

    public void TermChanged() => _metrics.TermChanges.Add(1, _tags);

    public void StorageWritten(TimeSpan duration) => _metrics.StorageWrite.Record(duration.TotalMilliseconds, _tags);

    public void AppendSent(int entries)
    {
        if (entries > 0)
        {
            _metrics.AppendBatchSize.Record(entries, _tags);
        }
    }

    public void AppendAnswered(string follower, TimeSpan roundTrip, long lag)
    {
        var tags = _tags;
        tags.Add("raft.follower", follower);
        _metrics.AppendRoundTrip.Record(roundTrip.TotalMilliseconds, tags);
        _metrics.ReplicationLag.Record(lag, tags);
    }
}
