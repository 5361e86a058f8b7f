using Raft.Simulation.Linearizability;

namespace Raft.Tests.Linearizability;

/// <summary>What a correct versioned key-value service answers, for tests that build histories by running operations in some order.</summary>
internal static class VersionedServiceAnswers
{
    /// <summary>What the service answers <paramref name="input"/> in <paramref name="state"/>.</summary>
    public static VersionedKvOutput Answer(VersionedValue state, VersionedKvInput input) => input.Op switch
    {
        VersionedKvOp.Get => state.Exists ? VersionedKvOutput.Found(state.Value, state.Version) : VersionedKvOutput.NoKey,
        VersionedKvOp.Append => VersionedKvOutput.Appended(state.Value + input.Value, state.Version + 1),
        VersionedKvOp.Put => VersionedKvOutput.Written(state.Version + 1),
        VersionedKvOp.Delete => VersionedKvOutput.Deleted,
        _ when input.Version == state.Version => VersionedKvOutput.Written(state.Version + 1),
        _ => state.Exists ? VersionedKvOutput.Conflict(state.Value, state.Version) : VersionedKvOutput.NoKey,
    };
}
