using System.Diagnostics.Metrics;

namespace Raft.Grains;

/// <summary>
/// The instruments of the meter "RaftOrleans", created once per service container through <see cref="IMeterFactory"/>
/// (so a test listening to one silo's meter does not hear another's). The driver records into them through
/// <see cref="PeerMetrics"/>; recording only adds to in-memory aggregates, so it changes nothing the driver decides,
/// and a host without metrics (the simulator) passes none.
/// </summary>
public sealed class RaftMetrics
{
    public const string MeterName = "RaftOrleans";

    public RaftMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        Proposals = meter.CreateCounter<long>("raft.proposals", "{entry}", "Commands appended by a leader for its clients.");
        Commits = meter.CreateCounter<long>("raft.commits", "{entry}", "Entries this peer learned are committed.");
        Applies = meter.CreateCounter<long>("raft.applies", "{entry}", "Entries and snapshots delivered to the state machine.");
        Elections = meter.CreateCounter<long>("raft.elections", "{election}", "Elections this peer stood in (a new term each).");
        TermChanges = meter.CreateCounter<long>("raft.term_changes", "{term}", "Times this peer moved to a higher term.");
        AppendRoundTrip = meter.CreateHistogram<double>("raft.append.round_trip", "ms", "AppendEntries sent by a leader until its reply arrived.");
        StorageWrite = meter.CreateHistogram<double>("raft.storage.write", "ms", "One group-commit flush of a peer's records.");
        AppendBatchSize = meter.CreateHistogram<long>("raft.append.batch_size", "{entry}", "Entries carried by one AppendEntries that carried any.");
        ReplicationLag = meter.CreateGauge<long>("raft.replication.lag", "{entry}", "A leader's last log index minus a follower's match index, at its last reply.");
    }

    internal Counter<long> Proposals { get; }

    internal Counter<long> Commits { get; }

    internal Counter<long> Applies { get; }

    internal Counter<long> Elections { get; }

    internal Counter<long> TermChanges { get; }

    internal Histogram<double> AppendRoundTrip { get; }

    internal Histogram<double> StorageWrite { get; }

    internal Histogram<long> AppendBatchSize { get; }

    internal Gauge<long> ReplicationLag { get; }

    /// <summary>The recorder of one peer: every measurement carries its group and peer id.</summary>
    public PeerMetrics ForPeer(string peerId) => new(this, peerId);
}
