using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Raft.Grains.Interfaces;

namespace Raft.Grains.KeyValue;

/// <summary>
/// The grain that hosts one peer's <see cref="KeyValueService"/>, keyed like its peer ("kv/0") and placed with it:
/// proposals are grain calls to the peer. Reentrant, so that requests batch while a proposal is in flight.
/// </summary>
[Reentrant, GrainType("keyvalue"), PeerPlacement]
public sealed class KeyValueGrain : Grain, IKeyValueGrain
{
    private readonly KeyValueService service;

    public KeyValueGrain(KvStateMachineFactory machines, IOptions<KeyValueOptions> options, IServiceProvider services)
    {
        var peer = GrainFactory.GetGrain<IRaftPeerGrain>(this.GetPrimaryKeyString());
        var time = services.GetService<TimeProvider>() ?? TimeProvider.System;
        service = new KeyValueService(this.GetPrimaryKeyString(), machines, options.Value, time, peer.Propose, peer.Wake);
    }

    public Task<KvResponse> Execute(KvRequest request, CancellationToken cancellationToken) => service.Execute(request);
}
