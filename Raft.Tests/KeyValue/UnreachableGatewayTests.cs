using Orleans.Runtime.Messaging;
using Raft.Client;
using Raft.Grains.Interfaces;
using Xunit;

namespace Raft.Tests.KeyValue;

/// <summary>
/// A peer whose silo cannot be reached must cost the client one attempt, never the operation: the failover benchmark's
/// load process once died of an unhandled ConnectionFailedException ("Unable to connect to S127.0.0.1:26581:0"), which
/// the Orleans client throws while the gateway it picked for a grain is down, and which the client did not count as a
/// transport failure.
/// </summary>
public sealed class UnreachableGatewayTests
{
    [Fact]
    public void OrleansConnectionAndGatewayFailuresCountAsUnreachable()
    {
        Assert.True(GrainKeyValueTransport.IsUnreachable(new ConnectionFailedException("Unable to connect to S127.0.0.1:26581:0")));
        Assert.True(GrainKeyValueTransport.IsUnreachable(new GatewayTooBusyException("busy")));
        Assert.True(GrainKeyValueTransport.IsUnreachable(new SiloUnavailableException("gone")));
        Assert.True(GrainKeyValueTransport.IsUnreachable(new TimeoutException()));
        Assert.False(GrainKeyValueTransport.IsUnreachable(new InvalidOperationException("a bug in the service")));
    }

    [Fact]
    public async Task AWriteWhosePeerCannotBeConnectedToIsAnsweredByAnother()
    {
        var transport = new FirstPeerUnreachable();
        var client = new KeyValueClient(transport, new KeyValueClientOptions { OperationDeadline = TimeSpan.FromSeconds(5) });

        await client.PutAsync("k", "v");

        // kv/0 costs one attempt; the session's registration and the put then go to kv/1, which answered.
        Assert.Equal("kv/0", transport.Asked[0]);
        Assert.All(transport.Asked.Skip(1), peer => Assert.Equal("kv/1", peer));
        Assert.Single(transport.Asked, peer => peer == "kv/0");
    }

    /// <summary>kv/0's silo is down (the Orleans client cannot connect to its gateway); kv/1 leads and applies.</summary>
    private sealed class FirstPeerUnreachable : IKeyValueTransport
    {
        public List<string> Asked { get; } = [];

        public Task<KvResponse> ExecuteAsync(string peerId, KvRequest request, TimeSpan timeout)
        {
            lock (Asked)
            {
                Asked.Add(peerId);
            }
            return peerId == "kv/0"
                ? Task.FromException<KvResponse>(new ConnectionFailedException("Unable to connect to S127.0.0.1:26581:0, will retry after 999.7496ms"))
                : Task.FromResult(KvResponse.Of(KvStatus.Ok));
        }

        public bool IsTransportFailure(Exception exception) => GrainKeyValueTransport.IsUnreachable(exception);
    }
}
