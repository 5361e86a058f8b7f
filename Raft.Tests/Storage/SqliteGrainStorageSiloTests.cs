using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Hosting;
using Orleans.Runtime;
using Orleans.Storage;
using Orleans.TestingHost;
using Raft.Persistence.Sqlite;
using Xunit;

namespace Raft.Tests.Storage;

/// <summary>
/// The SQLite provider inside a real Orleans silo (an in-process test cluster of one silo): registration, options
/// validation, opening the database at silo start, the default serializer, a grain's [PersistentState] going through
/// it, and the silo disposing it.
/// </summary>
// In a process of their own (scripts/test.sh runs Isolation=OwnProcess apart): an Orleans silo whose start fails
// part-way leaves its grain directory's membership loop spinning (millions of work items a second) in the process for
// good, which starved every later test of a shared run (docs/raft-tests.md, "What starved the test process").
[Trait("Isolation", "OwnProcess")]
public sealed class SqliteGrainStorageSiloTests : IDisposable
{
    private const string ProviderName = "sqlite";
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "raft-sqlite-silo-tests", Guid.NewGuid().ToString("N"));

    private string DatabasePath => Path.Combine(_directory, "data", "raft.db");

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private static InProcessTestCluster BuildCluster(Action<ISiloBuilder> configureSilo)
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.Options.ConfigureFileLogging = false;
        builder.ConfigureSilo((_, silo) => configureSilo(silo));
        return builder.Build();
    }

    private static IServiceProvider SiloServices(InProcessTestCluster cluster) =>
        cluster.GetSiloServiceProvider(cluster.Silos[0].SiloAddress);

    [Fact]
    public async Task A_grain_state_is_stored_by_the_provider_and_read_back_by_a_new_silo()
    {
        await using (var cluster = BuildCluster(silo => silo.AddSqliteGrainStorage(ProviderName, o => o.Path = DatabasePath)))
        {
            await cluster.DeployAsync();
            // Opened and created at silo start, before any grain touched it.
            Assert.True(File.Exists(DatabasePath));

            await cluster.Client.GetGrain<ISqliteProbeGrain>("kv/0").Write("first life", 41);
        }

        using (var raw = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DatabasePath, Pooling = false }.ToString()))
        {
            raw.Open();
            using var select = raw.CreateCommand();
            select.CommandText = "SELECT grain_type, grain_key, state_name, payload FROM grain_state;";
            using var reader = select.ExecuteReader();
            Assert.True(reader.Read());
            var grainId = GrainId.Parse($"{reader.GetString(0)}/{reader.GetString(1)}");
            Assert.Equal("sqlite-probe", grainId.Type.ToString());
            Assert.Equal("kv/0", reader.GetString(1));
            Assert.Equal("probe", reader.GetString(2));
            // Orleans' binary serializer by default: the payload decodes with it (JSON would start with '{').
            var payload = StoredRecord.Decode(reader.GetFieldValue<byte[]>(3), "probe");
            Assert.NotEqual((byte)'{', payload.Span[0]);
            var stored = StorageTestSerializer.Create().Deserialize<StorageTestState>(payload);
            Assert.Equal("first life", stored!.Name);
            Assert.False(reader.Read());
        }

        await using (var cluster = BuildCluster(silo => silo.AddSqliteGrainStorage(ProviderName, o => o.Path = DatabasePath)))
        {
            await cluster.DeployAsync();
            var read = await cluster.Client.GetGrain<ISqliteProbeGrain>("kv/0").Read();
            Assert.Equal(("first life", 41L), read);
        }
    }

    [Fact]
    public async Task The_default_serializer_is_orleans_binary_and_the_option_overrides_it()
    {
        var custom = new OrleansGrainStorageSerializer(StorageTestSerializer.Orleans);
        await using var cluster = BuildCluster(silo => silo
            .AddSqliteGrainStorage(ProviderName, o => o.Path = DatabasePath)
            .AddSqliteGrainStorage("custom", o =>
            {
                o.Path = Path.Combine(_directory, "custom.db");
                o.GrainStorageSerializer = custom;
            }));
        await cluster.DeployAsync();

        var options = SiloServices(cluster).GetRequiredService<IOptionsMonitor<SqliteGrainStorageOptions>>();
        Assert.IsType<OrleansGrainStorageSerializer>(options.Get(ProviderName).GrainStorageSerializer);
        Assert.Same(custom, options.Get("custom").GrainStorageSerializer);
    }

    [Fact]
    public async Task As_default_it_is_the_silos_default_grain_storage_keyed_and_unkeyed()
    {
        await using var cluster = BuildCluster(silo => silo.AddSqliteGrainStorageAsDefault(o => o.Path = DatabasePath));
        await cluster.DeployAsync();

        var services = SiloServices(cluster);
        var keyed = Assert.IsType<SqliteGrainStorage>(services.GetRequiredKeyedService<IGrainStorage>("Default"));
        Assert.Same(keyed, services.GetRequiredService<IGrainStorage>());
        Assert.Equal(DatabasePath, keyed.DatabasePath);
        Assert.Equal("Default", keyed.Name);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public async Task An_empty_path_stops_the_silo_at_start_with_an_options_error_naming_the_setting(string path)
    {
        await using var cluster = BuildCluster(silo => silo.AddSqliteGrainStorage(ProviderName, o => o.Path = path));

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => cluster.DeployAsync());

        Assert.Contains("SqliteGrainStorageOptions.Path", ex.Message);
        Assert.Contains($"'{ProviderName}'", ex.Message);
    }

    [Fact]
    public async Task An_unusable_path_stops_the_silo_at_start_with_an_error_naming_the_full_path()
    {
        Directory.CreateDirectory(_directory);
        var blocker = Path.Combine(_directory, "blocker");
        await File.WriteAllTextAsync(blocker, "not a directory");
        var path = Path.Combine(blocker, "sub", "raft.db");
        await using var cluster = BuildCluster(silo => silo.AddSqliteGrainStorage(ProviderName, o => o.Path = path));

        // The silo lifecycle rethrows the participant's exception as it is.
        var ex = await Assert.ThrowsAsync<SqliteStorageException>(() => cluster.DeployAsync());

        Assert.Contains(path, ex.Message);
        Assert.Contains($"'{ProviderName}'", ex.Message);
    }

    [Fact]
    public async Task Stopping_and_disposing_the_silo_closes_the_database()
    {
        SqliteGrainStorage storage;
        await using (var cluster = BuildCluster(silo => silo.AddSqliteGrainStorage(ProviderName, o => o.Path = DatabasePath)))
        {
            await cluster.DeployAsync();
            storage = Assert.IsType<SqliteGrainStorage>(SiloServices(cluster).GetRequiredKeyedService<IGrainStorage>(ProviderName));
            await cluster.Client.GetGrain<ISqliteProbeGrain>("kv/1").Write("x", 1);
        }

        await Assert.ThrowsAsync<ObjectDisposedException>(
            () => storage.ReadStateAsync("probe", GrainId.Create("sqlite-probe", "kv/1"), new GrainState<StorageTestState>(new StorageTestState())));
    }
}

public interface ISqliteProbeGrain : IGrainWithStringKey
{
    Task Write(string name, long count);

    Task<(string? Name, long Count)> Read();
}

/// <summary>A grain whose one persistent state lives in the "sqlite" provider.</summary>
[GrainType("sqlite-probe")]
public sealed class SqliteProbeGrain([PersistentState("probe", "sqlite")] IPersistentState<StorageTestState> state) : Grain, ISqliteProbeGrain
{
    public async Task Write(string name, long count)
    {
        state.State.Name = name;
        state.State.Count = count;
        await state.WriteStateAsync();
    }

    public Task<(string? Name, long Count)> Read() => Task.FromResult((state.State.Name, state.State.Count));
}
