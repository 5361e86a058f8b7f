using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using Orleans.TestingHost;
using Raft.Grains;
using Raft.TestingHost;
using Xunit;

namespace Raft.Tests.OrleansHosting;

/// <summary>A silo whose Raft storage is missing or undeclared does not start, and says what to register.</summary>
// In a process of their own (scripts/test.sh runs Isolation=OwnProcess apart): an Orleans silo whose start fails
// part-way leaves its grain directory's membership loop spinning (millions of work items a second) in the process for
// good, which starved every later test of a shared run (docs/raft-tests.md, "What starved the test process").
[Collection(OrleansClusterCollection.Name)]
[Trait("Isolation", "OwnProcess")]
public sealed class RaftStorageCheckTests
{
    [Fact]
    public async Task A_silo_without_storage_traits_does_not_start_and_names_the_call_to_make()
    {
        var error = await DeployFailureAsync(silo => silo.Services.AddKeyedSingleton<IGrainStorage>(
            "Default", new SharedMemoryGrainStorage(RaftStorageSerializer.Create())));
        Assert.Contains("AddRaftStorageTraits(\"Default\"", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_silo_without_the_named_storage_does_not_start()
    {
        var error = await DeployFailureAsync(silo => silo.Configure<RaftOptions>(o => o.StorageName = "raft-state"));
        Assert.Contains("no grain storage provider by that name", error, StringComparison.Ordinal);
        Assert.Contains("'raft-state'", error, StringComparison.Ordinal);
    }

    private static async Task<string> DeployFailureAsync(Action<ISiloBuilder> configure)
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.Options.ConfigureFileLogging = false;
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddRaftKeyValueService();
            configure(silo);
        });
        var cluster = builder.Build();
        try
        {
            var error = await Assert.ThrowsAnyAsync<Exception>(() => cluster.DeployAsync());
            return Flatten(error);
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }

    private static string Flatten(Exception error) =>
        error is AggregateException aggregate
            ? string.Join(" | ", aggregate.Flatten().InnerExceptions.Select(Flatten))
            : error.Message + (error.InnerException is { } inner ? " | " + Flatten(inner) : "");
}
