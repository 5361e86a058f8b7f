using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Serialization;
using Orleans.Storage;

namespace Raft.Persistence.Sqlite;

/// <summary>
/// Gives every SQLite grain storage without a <see cref="SqliteGrainStorageOptions.GrainStorageSerializer"/> Orleans'
/// binary serializer, built on the silo's <see cref="Serializer"/> (why binary: see that option).
/// </summary>
internal sealed class SqliteGrainStorageDefaultSerializer(IServiceProvider services) : IPostConfigureOptions<SqliteGrainStorageOptions>
{
    public void PostConfigure(string? name, SqliteGrainStorageOptions options) =>
        options.GrainStorageSerializer ??= new OrleansGrainStorageSerializer(services.GetRequiredService<Serializer>());
}
