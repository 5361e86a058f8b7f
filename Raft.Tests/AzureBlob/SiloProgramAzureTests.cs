using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Raft.Persistence.AzureStorage;
using Raft.Runtime;
using Raft.Runtime.Hosting;
using Raft.Runtime.Storage;
using Raft.Tests.Runtime;
using Xunit;

namespace Raft.Tests.AzureBlob;

/// <summary>The Raft.Silo executable's storage settings: Storage:Provider=AzureBlob with Storage:Default:*, against Azurite.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class SiloProgramAzureTests(AzuriteFixture azurite) : AzuriteContainerTests(azurite, "program")
{
    [Fact]
    public async Task ProviderAzureBlob_ConfiguresTheDefaultStorage_AndGrainsPersistOnAzurite()
    {
        var builder = NewHostBuilder(new Dictionary<string, string?>
        {
            ["Silo:SiloName"] = "silo0",
            ["Silo:SiloPort"] = "0",
            ["Silo:GatewayPort"] = "-1",
            ["Storage:Provider"] = "AzureBlob",
            ["Storage:Default:ConnectionString"] = Azurite.ConnectionString,
            ["Storage:Default:ContainerName"] = Container,
        });
        Raft.Silo.SiloConfiguration.Configure(builder);
        builder.Services.AddSingleton(new GrainClassRegistration(typeof(PersistentCounterGrain)));
        using var host = builder.Build();

        var storage = Assert.IsType<AzureBlobGrainStorage>(host.Services.GetRequiredKeyedService<IGrainStorage>("Default"));
        Assert.Equal(Container, storage.ContainerName);
        await host.StartAsync();
        var counter = host.Services.GetRequiredService<IGrainFactory>().GetGrain<IPersistentCounterGrain>("via-silo-config");
        Assert.Equal(1, await counter.Increment());
        await host.StopAsync();

        using var raw = await AzureTestStorage.SendRawAsync(Azurite, HttpMethod.Head, $"/{Container}/counter-persistentcounter/via-silo-config");
        Assert.Equal(200, (int)raw.StatusCode);
    }

    [Theory]
    [InlineData("Cassandra", "Unknown storage provider 'Cassandra'")]
    [InlineData("AzureBlob", "Storage:Default:ConnectionString")]
    public void BadStorageSettings_AreAnArgumentException_NamingTheSetting(string provider, string expected)
    {
        var builder = NewHostBuilder(new Dictionary<string, string?> { ["Storage:Provider"] = provider });

        var e = Assert.Throws<ArgumentException>(() => Raft.Silo.SiloConfiguration.Configure(builder));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Main_ExitsWith2OnBadStorageSettings_And1WhenAzureRefusesTheKey()
    {
        string[] quiet = ["--Logging:LogLevel:Default=None", "--Logging:LogLevel:Microsoft=None", "--Silo:SiloPort=0", "--Silo:GatewayPort=-1"];

        Assert.Equal(2, await Raft.Silo.Program.Main([.. quiet, "--Storage:Provider=Cassandra"]));
        Assert.Equal(2, await Raft.Silo.Program.Main([.. quiet, "--Storage:Provider=AzureBlob"]));

        var wrongKey = Convert.ToBase64String(new byte[64]);
        var connectionString = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={wrongKey};BlobEndpoint={Azurite.BlobEndpoint}";
        Assert.Equal(1, await Raft.Silo.Program.Main(
            [.. quiet, "--Storage:Provider=AzureBlob", $"--Storage:Default:ConnectionString={connectionString}", $"--Storage:Default:ContainerName={Container}"]));
    }
}
