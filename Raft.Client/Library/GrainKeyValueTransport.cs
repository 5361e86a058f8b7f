using System.Collections.Concurrent;
using Orleans.Runtime.Messaging;
using Raft.Grains.Interfaces;

namespace Raft.Client;

/// <summary>Requests as grain calls to each peer's <see cref="IKeyValueGrain"/>, each attempt cancelled when its timeout runs out.</summary>
public sealed class GrainKeyValueTransport(IGrainFactory grains, TimeProvider? time = null) : IKeyValueTransport
{
    // A grain reference is a proxy object, not worth making per call.
    private readonly ConcurrentDictionary<string, IKeyValueGrain> _grains = new(StringComparer.Ordinal);
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public async Task<KvResponse> ExecuteAsync(string peerId, KvRequest request, TimeSpan timeout)
    {
        var grain = _grains.GetOrAdd(peerId, static (id, factory) => factory.GetGrain<IKeyValueGrain>(id), grains);
        using var cancellation = new CancellationTokenSource(timeout, _time);
        var call = grain.Execute(request, cancellation.Token);
        try
        {
            // The wait bounds the attempt even where Orleans' cancellation does not reach the message (a dead silo).
            return await call.WaitAsync(timeout, _time);
        }
        catch (TimeoutException) when (!call.IsCompleted)
        {
            _ = call.ContinueWith(static t => t.Exception, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously);
            throw new TimeoutException($"{peerId} did not answer within {timeout.TotalMilliseconds:0} ms.");
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            throw new TimeoutException($"{peerId} did not answer within {timeout.TotalMilliseconds:0} ms.");
        }
    }

    public bool IsTransportFailure(Exception exception) => IsUnreachable(exception);

    /// <summary>
    /// The silo could not be reached or refused the message (Orleans' own messaging failures: among them the gateway
    /// connection that cannot be opened while a gateway's silo is down, which the Orleans client reports as a
    /// ConnectionFailedException), or no such peer is configured there (a wrong --group or --peers): either way this
    /// peer cannot answer now, another may.
    /// </summary>
    public static bool IsUnreachable(Exception exception) =>
        exception is TimeoutException or SiloUnavailableException or OrleansMessageRejectionException or ConnectionFailedException
            or GatewayTooBusyException or PeerNotConfiguredException;
}
