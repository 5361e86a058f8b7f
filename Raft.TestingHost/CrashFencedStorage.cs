using Orleans.Storage;

namespace Raft.TestingHost;

/// <summary>
/// A grain storage provider in front of another that refuses the writes and clears of crashed activations and of grains
/// that are down (<see cref="GrainCrashes"/>): a crashed process writes nothing more. The writer is the activation the
/// call runs on (Orleans' IGrainContextAccessor), which is where a grain's storage operations start.
/// </summary>
public sealed class CrashFencedStorage(IGrainStorage inner, GrainCrashes crashes, IGrainContextAccessor writer) : IGrainStorage
{
    public IGrainStorage Inner => inner;

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        inner.ReadStateAsync(stateName, grainId, grainState);

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        Refused(stateName, grainId) ?? inner.WriteStateAsync(stateName, grainId, grainState);

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        Refused(stateName, grainId) ?? inner.ClearStateAsync(stateName, grainId, grainState);

    private Task? Refused(string stateName, GrainId grainId) =>
        crashes.IsDead(writer.GrainContext) || crashes.IsDown(grainId)
            ? Task.FromException(new IOException($"Write of '{stateName}' of {grainId} refused: the writer crashed."))
            : null;
}
