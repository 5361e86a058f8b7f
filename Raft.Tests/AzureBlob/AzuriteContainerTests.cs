using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Raft.Tests.AzureBlob;

/// <summary>
/// Tests on the shared Azurite in which every test has a container of its own (xunit creates the class anew for each
/// test), deleted when the test is done. Derived classes carry [Collection(AzuriteCollection.Name)] themselves.
/// </summary>
public abstract class AzuriteContainerTests(AzuriteFixture azurite, string containerPrefix) : IAsyncLifetime
{
    protected AzuriteFixture Azurite { get; } = azurite;

    protected string Container { get; } = AzureTestStorage.UniqueContainer(containerPrefix);

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual Task DisposeAsync() => AzureTestStorage.DeleteContainerAsync(Azurite, Container);

    /// <summary>An empty host builder (a silo is added with UseSilo or the silo program's configuration), logging warnings and up.</summary>
    protected static HostApplicationBuilder NewHostBuilder(IDictionary<string, string?>? configuration = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        if (configuration is not null)
        {
            builder.Configuration.AddInMemoryCollection(configuration);
        }
        builder.Services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        return builder;
    }
}
