using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Raft.Runtime;
using Raft.Runtime.Client;
using Raft.Runtime.Hosting;
using Raft.TestingHost;
using Xunit;

namespace Raft.Tests.Runtime;

/// <summary>Two silos and a client in this process, talking over real loopback TCP.</summary>
public sealed class TcpClusterTests : IAsyncLifetime
{
    private readonly List<IHost> hosts = new();

    public async Task InitializeAsync()
    {
        var ports = LoopbackPorts.Free(4);
        var members = new List<SiloEndpoint>
        {
            new() { Name = "a", SiloPort = ports[0], GatewayPort = ports[1] },
            new() { Name = "b", SiloPort = ports[2], GatewayPort = ports[3] },
        };
        foreach (var member in members)
        {
            var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
            builder.Services.AddLogging(l => l.SetMinimumLevel(LogLevel.Warning));
            builder.UseSilo(silo => silo
                .AddGrains(typeof(TcpClusterTests).Assembly)
                .AddMemoryGrainStorage()
                .Configure<SiloOptions>(o =>
                {
                    o.SiloName = member.Name;
                    o.SiloPort = member.SiloPort;
                    o.GatewayPort = member.GatewayPort;
                })
                .Configure<ClusterMembershipOptions>(o => o.Silos = members)
                // Counter grains live on silo b, relays on silo a, so relays' calls cross silos.
                .UsePlacement(id => id.Type == "persistentcounter" ? "b" : id.Type == "relay" ? "a" : null));
            var host = builder.Build();
            await host.StartAsync();
            hosts.Add(host);
        }
        GatewayA = ports[1];
        GatewayB = ports[3];
    }

    private int GatewayA { get; set; }

    private int GatewayB { get; set; }

    [Fact]
    public async Task ClientFailsOverToAnotherGatewayWhenItsSiloStops()
    {
        await using var client = await ClusterClient.ConnectAsync(new ClusterClientOptions { Gateways = [$"127.0.0.1:{GatewayA}", $"127.0.0.1:{GatewayB}"] });
        Assert.Equal($"127.0.0.1:{GatewayA}", client.ConnectedGateway);
        var counter = client.GetGrain<IPersistentCounterGrain>("failover");
        Assert.Equal(1, await counter.Increment());

        await hosts[0].StopAsync();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        var failures = 0;
        while (true)
        {
            try
            {
                Assert.Equal(1, await counter.Get());
                break;
            }
            catch (SiloUnavailableException) when (DateTime.UtcNow < deadline)
            {
                failures++;
                await Task.Delay(20);
            }
        }
        Assert.True(failures >= 1, "the stopped gateway should have failed at least one call");
        Assert.Equal($"127.0.0.1:{GatewayB}", client.ConnectedGateway);
    }

    public async Task DisposeAsync()
    {
        foreach (var host in hosts)
        {
            await host.StopAsync();
            host.Dispose();
        }
    }

    [Fact]
    public async Task ClientCallsGrainsOnBothSilosThroughOneGateway()
    {
        await using var client = await ClusterClient.ConnectAsync(new ClusterClientOptions { Gateways = [$"127.0.0.1:{GatewayA}"] });
        var counter = client.GetGrain<IPersistentCounterGrain>("over-tcp");
        Assert.Equal(1, await counter.Increment());
        var relay = client.GetGrain<IRelayGrain>("r");
        Assert.Equal(2, await relay.RelayIncrement("over-tcp"));
        var results = await Task.WhenAll(Enumerable.Range(0, 100).Select(i => relay.Echo(i)));
        Assert.Equal(Enumerable.Range(0, 100), results);
    }

    [Fact]
    public async Task GrainExceptionsCrossTheWire()
    {
        await using var client = await ClusterClient.ConnectAsync(new ClusterClientOptions { Gateways = [$"127.0.0.1:{GatewayA}"] });
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => client.GetGrain<IThrowingGrain>("t").Throw("over the wire"));
        Assert.Equal("over the wire", error.Message);
    }

    [Fact]
    public async Task MalformedFrameClosesThatConnectionOnly()
    {
        await using var client = await ClusterClient.ConnectAsync(new ClusterClientOptions { Gateways = [$"127.0.0.1:{GatewayA}"] });
        var relay = client.GetGrain<IRelayGrain>("r");
        Assert.Equal(1, await relay.Echo(1));

        using (var garbage = new TcpClient())
        {
            await garbage.ConnectAsync("127.0.0.1", GatewayA);
            var stream = garbage.GetStream();
            await stream.WriteAsync(new byte[] { 12, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 });
            var buffer = new byte[16];
            // The silo closes the connection: the read ends with 0 bytes (or a reset).
            try
            {
                Assert.Equal(0, await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
            }
            catch (IOException)
            {
            }
        }

        Assert.Equal(2, await relay.Echo(2));
        await using var second = await ClusterClient.ConnectAsync(new ClusterClientOptions { Gateways = [$"127.0.0.1:{GatewayA}"] });
        Assert.Equal(3, await second.GetGrain<IRelayGrain>("r").Echo(3));
    }

    [Fact]
    public async Task UnreachableGatewayFailsWithClearError()
    {
        var port = LoopbackPorts.Free(1)[0];
        var error = await Assert.ThrowsAsync<SiloUnavailableException>(() =>
            ClusterClient.ConnectAsync(new ClusterClientOptions { Gateways = [$"127.0.0.1:{port}"], ConnectTimeout = TimeSpan.FromSeconds(2) }));
        Assert.Contains($"127.0.0.1:{port}", error.Message);
    }
}
