using System.Collections.Concurrent;
using Orleans.Storage;

namespace Raft.Tests.AzureBlob;

/// <summary>
/// A grain storage in front of another that counts each grain's operations still running, so that a test can wait
/// until the writes a crashed peer had already sent to Azure have ended (they go on after their writer is gone).
/// </summary>
internal sealed class InFlightTrackingStorage(IGrainStorage inner) : IGrainStorage
{
    private readonly ConcurrentDictionary<GrainId, int> _running = new();

    public IGrainStorage Inner => inner;

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        Track(grainId, () => inner.ReadStateAsync(stateName, grainId, grainState));

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        Track(grainId, () => inner.WriteStateAsync(stateName, grainId, grainState));

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        Track(grainId, () => inner.ClearStateAsync(stateName, grainId, grainState));

    /// <summary>Completes once no operation of <paramref name="grain"/> is running (checked every 10 ms, up to <paramref name="timeout"/>).</summary>
    public async Task WaitForIdleAsync(GrainId grain, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (_running.TryGetValue(grain, out var running) && running > 0)
        {
            try
            {
                await Task.Delay(10, deadline.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"{grain} still has {running} storage operation(s) running after {timeout.TotalSeconds:0} s.");
            }
        }
    }

    private async Task Track(GrainId grain, Func<Task> operation)
    {
        _running.AddOrUpdate(grain, 1, (_, n) => n + 1);
        try
        {
            await operation();
        }
        finally
        {
            _running.AddOrUpdate(grain, 0, (_, n) => n - 1);
        }
    }
}
