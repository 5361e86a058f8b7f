using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Hosting;
using Orleans.Providers;
using Orleans.Runtime.Hosting;

namespace Raft.Persistence.Sqlite;

/// <summary>Registers <see cref="SqliteGrainStorage"/> on a silo, in the manner of Orleans' own storage providers.</summary>
public static class SqliteGrainStorageSiloBuilderExtensions
{
    /// <summary>Registers a SQLite grain storage as the silo's default grain storage ("Default").</summary>
    public static ISiloBuilder AddSqliteGrainStorageAsDefault(this ISiloBuilder builder, Action<SqliteGrainStorageOptions> configure) =>
        builder.AddSqliteGrainStorage(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME, configure);

    /// <summary>
    /// Registers a SQLite grain storage named <paramref name="name"/>: a keyed <c>IGrainStorage</c> singleton (and the
    /// unkeyed one when the name is "Default"), taken by <c>[PersistentState(stateName, name)]</c> or
    /// <c>[FromKeyedServices(name)] IGrainStorage</c>. Its options are validated when the host starts (an empty path
    /// throws <see cref="OptionsValidationException"/>), and the database is opened and created at silo start, so an
    /// unusable path stops the silo with a <see cref="SqliteStorageException"/> naming the full path. The silo's
    /// service provider disposes it, which closes the file.
    /// </summary>
    public static ISiloBuilder AddSqliteGrainStorage(this ISiloBuilder builder, string name, Action<SqliteGrainStorageOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(configure);

        var services = builder.Services;
        services.AddOptions<SqliteGrainStorageOptions>(name).Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SqliteGrainStorageOptions>, SqliteGrainStorageOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<SqliteGrainStorageOptions>, SqliteGrainStorageDefaultSerializer>());
        // AddGrainStorage also registers the provider as an ILifecycleParticipant<ISiloLifecycle>, which opens the database at start.
        services.AddGrainStorage(name, (sp, key) =>
            new SqliteGrainStorage(key, sp.GetRequiredService<IOptionsMonitor<SqliteGrainStorageOptions>>().Get(key)));
        return builder;
    }
}
