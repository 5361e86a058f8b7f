using Orleans.Storage;
using Raft.TestingHost;

namespace Raft.Tests.Peer;

/// <summary>
/// Memory storage that can make one write meet a late write: just before the armed grain's next write of a record whose
/// name starts with the armed prefix, the same content is written to that record under its stored ETag, as if a crashed
/// earlier incarnation had sent that write and it landed now. The grain's own write then fails its ETag check
/// (Orleans' <see cref="InconsistentStateException"/>), as a real zombie write from a dead process makes it fail.
/// </summary>
internal sealed class LateWriteInjectingStorage : IGrainStorage
{
    private readonly SharedMemoryGrainStorage _inner = new(RaftStorageSerializer.Create());
    private readonly Lock _gate = new();
    private (GrainId Grain, string Prefix)? _armed;

    /// <summary>What it declares to the peers: writes end with their process (no fence), awaited one by one.</summary>
    public static Raft.Grains.PeerStorageTraits Traits { get; } = new(PreservesIssueOrder: false, WritesMayOutliveWriter: false, ClearKeepsRecord: false);

    /// <summary>Completes with the record's name once the late write has landed.</summary>
    public TaskCompletionSource<string> Injected { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void InjectBeforeNextWrite(GrainId grain, string recordPrefix)
    {
        lock (_gate)
        {
            _armed = (grain, recordPrefix);
        }
    }

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        _inner.ReadStateAsync(stateName, grainId, grainState);

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (TakeArmed(stateName, grainId))
        {
            var late = new GrainState<T>();
            await _inner.ReadStateAsync(stateName, grainId, late);
            late.State = grainState.State;
            await _inner.WriteStateAsync(stateName, grainId, late);
            Injected.TrySetResult(stateName);
        }
        await _inner.WriteStateAsync(stateName, grainId, grainState);
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        _inner.ClearStateAsync(stateName, grainId, grainState);

    private bool TakeArmed(string stateName, GrainId grainId)
    {
        lock (_gate)
        {
            if (_armed is { } armed && armed.Grain == grainId && stateName.StartsWith(armed.Prefix, StringComparison.Ordinal))
            {
                _armed = null;
                return true;
            }
            return false;
        }
    }
}
