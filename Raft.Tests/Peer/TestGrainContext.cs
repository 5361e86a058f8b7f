using Raft.Runtime;

namespace Raft.Tests.Peer;

/// <summary>A grain context that is only a grain id, for code that creates persistent states outside a silo.</summary>
internal sealed class TestGrainContext(GrainId grainId) : IGrainContext
{
    public GrainId GrainId { get; } = grainId;
}
