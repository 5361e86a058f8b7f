using Xunit;

namespace Raft.Tests.Peer;

/// <summary>
/// The peer tests measure elections and latencies against real timers: they run one at a time, and not alongside
/// other collections, so that a neighbour's load (SQLite fsyncs, serializer stress) does not starve their timers.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PeerTestCollection
{
    public const string Name = "Raft peer grains";
}
