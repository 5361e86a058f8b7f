using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Raft.Persistence.AzureStorage;
using Raft.Runtime;
using Raft.Runtime.Hosting;
using Raft.Runtime.Storage;
using Raft.Tests.Runtime;
using Xunit;

namespace Raft.Tests.AzureBlob;

/// <summary>Silos (a generic host with UseSilo) whose grain storage is AddAzureBlobGrainStorage on a real Azurite.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class AzureBlobSiloTests(AzuriteFixture azurite) : AzuriteContainerTests(azurite, "silo")
{

    private static void OneLocalSilo(ISiloBuilder silo) => silo.Configure<SiloOptions>(o =>
    {
        o.SiloName = "azure-silo";
        o.SiloPort = 0;
        o.GatewayPort = -1;
    });

    /// <summary>A one-silo host with the persistent counter grain and Azure Blob storage "Default" on this test's container.</summary>
    private IHost BuildSilo(Action<AzureBlobStorageOptions>? configure = null)
    {
        var builder = NewHostBuilder();
        builder.UseSilo(silo =>
        {
            OneLocalSilo(silo);
            silo.AddGrain<PersistentCounterGrain>();
            silo.AddAzureBlobGrainStorage("Default", options =>
            {
                AzureTestStorage.Configure(options, Azurite, Container);
                configure?.Invoke(options);
            });
        });
        return builder.Build();
    }

    private static string WrongKeyConnectionString(AzuriteFixture azurite, out string wrongKey)
    {
        wrongKey = Convert.ToBase64String(Enumerable.Range(0, 64).Select(i => (byte)(255 - i)).ToArray());
        return $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={wrongKey};BlobEndpoint={azurite.BlobEndpoint}";
    }

    [Fact]
    public async Task GrainState_SurvivesASiloRestart_AndIsStoredWithTheSilosSerializer()
    {
        using (var first = BuildSilo())
        {
            await first.StartAsync();
            Assert.IsType<AzureBlobGrainStorage>(first.Services.GetRequiredKeyedService<IGrainStorage>("Default"));
            var counter = first.Services.GetRequiredService<IGrainFactory>().GetGrain<IPersistentCounterGrain>("restart-me");
            for (var i = 1; i <= 3; i++)
            {
                Assert.Equal(i, await counter.Increment());
            }
            await first.StopAsync();
        }

        // The blob is on Azurite, in the Orleans layout, encoded with the silo's default (wire) serializer.
        using (var reader = new AzureBlobGrainStorage(AzureTestStorage.Options(Azurite, Container), new WireGrainStorageSerializer()))
        {
            var stored = new GrainState<CounterState>(new CounterState(0));
            await reader.ReadStateAsync("counter", new GrainId("persistentcounter", "restart-me"), stored);
            Assert.True(stored.RecordExists);
            Assert.Equal(new CounterState(3), stored.State);
        }
        using (var raw = await AzureTestStorage.SendRawAsync(Azurite, HttpMethod.Head, $"/{Container}/counter-persistentcounter/restart-me"))
        {
            Assert.Equal(200, (int)raw.StatusCode);
        }

        using var second = BuildSilo();
        await second.StartAsync();
        var again = second.Services.GetRequiredService<IGrainFactory>().GetGrain<IPersistentCounterGrain>("restart-me");
        Assert.Equal(3, await again.Get());
        Assert.Equal(4, await again.Increment());
        await second.StopAsync();
    }

    [Fact]
    public async Task WrongAccountKey_FailsTheSiloStart_NamingAccountAndContainer()
    {
        var connectionString = WrongKeyConnectionString(Azurite, out var wrongKey);
        using var host = BuildSilo(options => options.ConnectionString = connectionString);

        var e = await Assert.ThrowsAsync<GrainStorageException>(() => host.StartAsync());

        Assert.Contains("Grain storage 'Default' (Azure Blob) could not start", e.Message, StringComparison.Ordinal);
        Assert.Contains($"authorization failed for account 'devstoreaccount1' container '{Container}'", e.Message, StringComparison.Ordinal);
        Assert.Contains("check the account key", e.Message, StringComparison.Ordinal);
        Assert.Contains(Azurite.BlobEndpoint, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(wrongKey, e.Message, StringComparison.Ordinal);
        // Storage starts before the transport: a silo whose storage failed never listened.
        Assert.Equal(0, host.Services.GetRequiredService<Raft.Runtime.Hosting.Silo>().SiloPort);
    }

    [Fact]
    public async Task UnreachableEndpoint_FailsTheSiloStart_WithinTheRequestTimeout()
    {
        var port = Raft.TestingHost.LoopbackPorts.Free(1)[0];
        using var host = BuildSilo(options =>
        {
            options.ConnectionString = new AzuriteConfig().GetConnectionString(port);
            options.RequestTimeout = TimeSpan.FromSeconds(2);
            options.MaxRetries = 10;
        });

        var clock = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<GrainStorageException>(() => host.StartAsync());

        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(2) + TimeSpan.FromSeconds(2));
        Assert.Contains("Grain storage 'Default' (Azure Blob) could not start", e.Message, StringComparison.Ordinal);
        Assert.Contains($"http://127.0.0.1:{port}/devstoreaccount1", e.Message, StringComparison.Ordinal);
        Assert.Contains("'devstoreaccount1'", e.Message, StringComparison.Ordinal);
        Assert.Contains($"'{Container}'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_BindFromStorageSection_ThenTheConfigureDelegate()
    {
        var builder = NewHostBuilder(new Dictionary<string, string?>
        {
            ["Storage:Blobs:ConnectionString"] = Azurite.ConnectionString,
            ["Storage:Blobs:ContainerName"] = "from-config",
            ["Storage:Other:ConnectionString"] = "UseDevelopmentStorage=true",
            ["Storage:Other:ContainerName"] = "other-from-config",
        });
        builder.UseSilo(silo =>
        {
            OneLocalSilo(silo);
            silo.AddAzureBlobGrainStorage("Blobs");
            silo.AddAzureBlobGrainStorage("Other", options => options.ContainerName = "from-code");
        });
        using var host = builder.Build();

        var blobs = Assert.IsType<AzureBlobGrainStorage>(host.Services.GetRequiredKeyedService<IGrainStorage>("Blobs"));
        Assert.Equal("from-config", blobs.ContainerName);
        Assert.Equal(new Uri(Azurite.BlobEndpoint), blobs.BlobEndpoint);
        var other = Assert.IsType<AzureBlobGrainStorage>(host.Services.GetRequiredKeyedService<IGrainStorage>("Other"));
        Assert.Equal("from-code", other.ContainerName);
        Assert.Equal(new Uri("http://127.0.0.1:10000/devstoreaccount1"), other.BlobEndpoint);
        Assert.Equal(2, host.Services.GetServices<IGrainStorageInitializer>().Count());
    }

    [Fact]
    public void MissingConnectionString_OrBadOptions_FailWhileConfiguring_NamingTheSetting()
    {
        var missing = Assert.Throws<ArgumentException>(() => NewHostBuilder().UseSilo(silo => silo.AddAzureBlobGrainStorage()));
        Assert.Contains("Azure Blob grain storage 'Default' has no connection string", missing.Message, StringComparison.Ordinal);
        Assert.Contains("Storage:Default:ConnectionString", missing.Message, StringComparison.Ordinal);
        Assert.Contains("UseDevelopmentStorage=true", missing.Message, StringComparison.Ordinal);

        var badContainer = Assert.Throws<ArgumentException>(() => NewHostBuilder(new Dictionary<string, string?>
        {
            ["Storage:Grains:ConnectionString"] = "UseDevelopmentStorage=true",
            ["Storage:Grains:ContainerName"] = "Not_Valid",
        }).UseSilo(silo => silo.AddAzureBlobGrainStorage("Grains")));
        Assert.Contains("Azure Blob grain storage 'Grains' (Storage:Grains)", badContainer.Message, StringComparison.Ordinal);
        Assert.Contains("'Not_Valid'", badContainer.Message, StringComparison.Ordinal);

        var badKey = "not base64 !!!";
        var badString = Assert.Throws<ArgumentException>(() => NewHostBuilder().UseSilo(silo => silo.AddAzureBlobGrainStorage(
            configure: o => o.ConnectionString = $"DefaultEndpointsProtocol=https;AccountName=acct;AccountKey={badKey}")));
        Assert.Contains("Azure Blob grain storage 'Default'", badString.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(badKey, badString.Message, StringComparison.Ordinal);
    }
}
