using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Azure.Storage.Blobs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Storage;
using Raft.Client;
using Raft.Silo;
using Raft.TestingHost;
using Raft.Tests.EndToEnd;
using Xunit;

namespace Raft.Tests.AzureBlob;

/// <summary>
/// The Raft.Silo executable's storage settings on Orleans: Storage:Provider=AzureBlob with Storage:Default:* puts the
/// peers on Orleans' Azure Blob provider (against Azurite); bad settings are refused naming the setting (exit code 2);
/// storage or a port that cannot be used stops the silo at start (exit code 1).
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class SiloProgramAzureTests(AzuriteFixture azurite) : AzuriteContainerTests(azurite, "program")
{
    [Fact]
    public async Task ProviderAzureBlob_PutsThePeersOnOrleansBlobStorage_OnAzurite()
    {
        var ports = LoopbackPorts.Free(2);
        var builder = NewHostBuilder(new Dictionary<string, string?>
        {
            ["Silo:SiloName"] = "s0",
            ["Silo:SiloPort"] = ports[0].ToString(CultureInfo.InvariantCulture),
            ["Silo:GatewayPort"] = ports[1].ToString(CultureInfo.InvariantCulture),
            ["Storage:Provider"] = "AzureBlob",
            ["Storage:Default:ConnectionString"] = Azurite.ConnectionString,
            ["Storage:Default:ContainerName"] = Container,
        });
        SiloHostBuilder.Configure(builder);
        using var host = builder.Build();
        Assert.IsType<AzureBlobGrainStorage>(host.Services.GetRequiredKeyedService<IGrainStorage>("Default"));

        await host.StartAsync();
        try
        {
            var client = new KeyValueClient(host.Services.GetRequiredService<IGrainFactory>());
            Assert.Equal(1, await client.PutAsync("k", "v"));
        }
        finally
        {
            await host.StopAsync();
        }

        var blobs = new BlobServiceClient(Azurite.ConnectionString).GetBlobContainerClient(Container);
        var names = new List<string>();
        await foreach (var blob in blobs.GetBlobsAsync())
        {
            names.Add(blob.Name);
        }
        Assert.Contains("raft-hardstate-raftpeer/kv/0.json", names);
        Assert.Contains(names, name => name.StartsWith("raft-log-", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Cassandra", "unknown storage provider 'Cassandra'")]
    [InlineData("AzureBlob", "Storage:Default:ConnectionString")]
    public void BadStorageSettings_AreRefusedNamingTheSetting(string provider, string expected)
    {
        var builder = NewHostBuilder(new Dictionary<string, string?> { ["Storage:Provider"] = provider });

        var e = Assert.Throws<SiloConfigurationException>(() => SiloHostBuilder.Configure(builder));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Main_ExitsWith2OnBadSettings_And1WhenAzureRefusesTheKey_OrThePortIsTaken()
    {
        var ports = LoopbackPorts.Free(2);
        string[] quiet =
        [
            "--Logging:LogLevel:Default=None",
            $"--Silo:SiloPort={ports[0]}",
            $"--Silo:GatewayPort={ports[1]}",
        ];

        Assert.Equal(2, await Raft.Silo.Program.Main([.. quiet, "--Storage:Provider=Cassandra"]));
        Assert.Equal(2, await Raft.Silo.Program.Main([.. quiet, "--Storage:Provider=AzureBlob"]));
        Assert.Equal(2, await Raft.Silo.Program.Main([.. quiet, "--Storage:Provider=AzureBlob", "--Storage:Default:ConnectionString=not a connection string"]));

        // A start that fails part-way runs as its own process, as users run the silo: in-process, the half-started
        // silo's grain directory loop outlived the disposed host and spun in the test host for the rest of the run.
        var wrongKey = Convert.ToBase64String(new byte[64]);
        var connectionString = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={wrongKey};BlobEndpoint={Azurite.BlobEndpoint}";
        var refused = await FailedStartAsync(
            [.. quiet, "--Web:Enabled=false", "--Storage:Provider=AzureBlob", $"--Storage:Default:ConnectionString={connectionString}", $"--Storage:Default:ContainerName={Container}"]);
        Assert.Contains(Azurite.BlobEndpoint.TrimEnd('/'), refused, StringComparison.Ordinal);

        var fresh = LoopbackPorts.Free(2);
        using var taken = new TcpListener(IPAddress.Loopback, fresh[1]);
        taken.Start();
        await FailedStartAsync(["--Logging:LogLevel:Default=None", $"--Silo:SiloPort={fresh[0]}", $"--Silo:GatewayPort={fresh[1]}", "--Web:Enabled=false", "--Storage:Provider=Memory"]);
    }

    /// <summary>Runs the silo process with <paramref name="arguments"/>; it must exit with 1 and one "failed to start" line.</summary>
    private static async Task<string> FailedStartAsync(string[] arguments)
    {
        await using var silo = new SiloProcess("silo0", arguments);
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => silo.StartAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("exited with 1", failure.Message, StringComparison.Ordinal);
        Assert.Contains("raft-silo: failed to start:", failure.Message, StringComparison.Ordinal);
        return failure.Message;
    }
}
