using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Raft.Runtime.Metadata;
using Raft.Runtime.Storage;

namespace Raft.Runtime.Hosting;

/// <summary>Configures a silo inside a .NET generic host: <c>builder.UseSilo(silo => silo.AddGrains(...))</c>.</summary>
public interface ISiloBuilder
{
    IServiceCollection Services { get; }

    IConfiguration Configuration { get; }
}

internal sealed class SiloBuilder(IServiceCollection services, IConfiguration configuration) : ISiloBuilder
{
    public IServiceCollection Services { get; } = services;

    public IConfiguration Configuration { get; } = configuration;
}

public static class SiloBuilderExtensions
{
    /// <summary>Hosts a silo in this host; its options bind from the configuration section "Silo" and "Cluster".</summary>
    public static Microsoft.Extensions.Hosting.IHostApplicationBuilder UseSilo(this Microsoft.Extensions.Hosting.IHostApplicationBuilder builder, Action<ISiloBuilder> configure)
    {
        var silo = new SiloBuilder(builder.Services, builder.Configuration);
        builder.Services.AddOptions<SiloOptions>().Bind(builder.Configuration.GetSection("Silo"));
        builder.Services.AddOptions<ClusterMembershipOptions>().Bind(builder.Configuration.GetSection("Cluster"));
        builder.Services.AddOptions<MessagingOptions>().Bind(builder.Configuration.GetSection("Messaging"));
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<Scheduling.IWorkExecutor>(Scheduling.ThreadPoolWorkExecutor.Instance);
        builder.Services.TryAddSingleton<GrainRegistry>();
        builder.Services.TryAddSingleton<IPlacementDirector>(new PlacementDirector());
        builder.Services.TryAddSingleton<IGrainStorageSerializer, WireGrainStorageSerializer>();
        builder.Services.TryAddSingleton<IPersistentStateFactory, PersistentStateFactory>();
        builder.Services.AddSingleton<Silo>();
        builder.Services.AddSingleton<IGrainFactory>(sp => sp.GetRequiredService<Silo>().GrainFactory);
        builder.Services.AddHostedService(sp => sp.GetRequiredService<Silo>());
        configure(silo);
        return builder;
    }

    public static ISiloBuilder AddGrains(this ISiloBuilder builder, Assembly assembly)
    {
        builder.Services.AddSingleton(new GrainAssembly(assembly));
        return builder;
    }

    public static ISiloBuilder AddGrain<TGrain>(this ISiloBuilder builder)
        where TGrain : Grain
    {
        builder.Services.AddSingleton(new GrainClassRegistration(typeof(TGrain)));
        return builder;
    }

    public static ISiloBuilder Configure<TOptions>(this ISiloBuilder builder, Action<TOptions> configure)
        where TOptions : class
    {
        builder.Services.Configure(configure);
        return builder;
    }

    /// <summary>Pins grains to silos by a rule; grains the rule returns null for are placed by hash.</summary>
    public static ISiloBuilder UsePlacement(this ISiloBuilder builder, Func<GrainId, string?> pin)
    {
        builder.Services.Replace(ServiceDescriptor.Singleton<IPlacementDirector>(new PlacementDirector(pin)));
        return builder;
    }

    public static ISiloBuilder AddIncomingGrainCallFilter(this ISiloBuilder builder, IIncomingGrainCallFilter filter)
    {
        builder.Services.AddSingleton(filter);
        return builder;
    }

    public static ISiloBuilder AddOutgoingGrainCallFilter(this ISiloBuilder builder, IOutgoingGrainCallFilter filter)
    {
        builder.Services.AddSingleton(filter);
        return builder;
    }

    /// <summary>
    /// Registers a SQLite grain storage provider (the embedded durable default). Options bind from
    /// "Storage:{name}" and then <paramref name="configure"/>; the database is created at silo start, so an
    /// unwritable path fails the start with the path in the message.
    /// </summary>
    public static ISiloBuilder AddSqliteGrainStorage(this ISiloBuilder builder, string name = "Default", Action<SqliteGrainStorageOptions>? configure = null)
    {
        var options = new SqliteGrainStorageOptions();
        builder.Configuration.GetSection($"Storage:{name}").Bind(options);
        configure?.Invoke(options);
        builder.Services.AddKeyedSingleton<IGrainStorage>(name, (sp, _) => new SqliteGrainStorage(options, sp.GetRequiredService<IGrainStorageSerializer>()));
        builder.Services.AddSingleton<IGrainStorageInitializer>(sp => new StorageInitializer(() => ((SqliteGrainStorage)sp.GetRequiredKeyedService<IGrainStorage>(name)).InitializeAsync()));
        return builder;
    }

    /// <summary>Registers an in-memory grain storage provider (not durable; for tests and development).</summary>
    public static ISiloBuilder AddMemoryGrainStorage(this ISiloBuilder builder, string name = "Default", MemoryGrainStorage? instance = null)
    {
        builder.Services.AddKeyedSingleton<IGrainStorage>(name, (sp, _) => instance ?? new MemoryGrainStorage(sp.GetRequiredService<IGrainStorageSerializer>()));
        return builder;
    }
}

internal sealed class StorageInitializer(Func<Task> initialize) : IGrainStorageInitializer
{
    public Task InitializeAsync(CancellationToken cancellationToken) => initialize();
}

public sealed record GrainAssembly(Assembly Assembly);

public sealed record GrainClassRegistration(Type GrainClass);
