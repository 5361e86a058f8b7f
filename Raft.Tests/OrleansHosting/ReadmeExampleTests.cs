using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Raft.Client;
using Raft.Grains;
using Raft.Persistence.Sqlite;
using Raft.TestingHost;
using Xunit;

namespace Raft.Tests.OrleansHosting;

/// <summary>The README's first screen, as written there: a silo with Raft added, and a client that writes and reads.</summary>
[Collection(OrleansClusterCollection.Name)]
public sealed class ReadmeExampleTests
{
    [Fact]
    public async Task The_readme_silo_and_client_work_as_shown()
    {
        var data = Directory.CreateTempSubdirectory("raft-readme-");
        var ports = LoopbackPorts.Free(2);
        try
        {
            var builder = Host.CreateApplicationBuilder();
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            builder.UseOrleans(silo => silo
                .UseLocalhostClustering(siloPort: ports[0], gatewayPort: ports[1])
                .AddRaftKeyValueService()
                .AddSqliteGrainStorage("Default", o => o.Path = Path.Combine(data.FullName, "raft.db"))
                .AddRaftStorageTraits("Default", PeerStorageTraits.InProcessOrdered));
            using var silo = builder.Build();
            await silo.StartAsync();

            var clientBuilder = Host.CreateApplicationBuilder();
            clientBuilder.Logging.SetMinimumLevel(LogLevel.Warning);
            clientBuilder.UseOrleansClient(client => client.UseLocalhostClustering(gatewayPort: ports[1]));
            using var clientHost = clientBuilder.Build();
            await clientHost.StartAsync();
            var clusterClient = clientHost.Services.GetRequiredService<IClusterClient>();

            var kv = new KeyValueClient(clusterClient, new KeyValueClientOptions { Group = "kv", Peers = ["0", "1", "2"] });
            var version = await kv.PutAsync("greeting", "hello");
            var (value, _) = await kv.GetAsync("greeting");

            Assert.Equal(1, version);
            Assert.Equal("hello", value);
            await clientHost.StopAsync();
            await silo.StopAsync();
        }
        finally
        {
            data.Delete(recursive: true);
        }
    }
}
