using Microsoft.Data.Sqlite;
using Raft.Grains;
using Raft.Persistence.Sqlite;
using Raft.TestingHost;
using Xunit;

namespace Raft.Tests.Peer;

[Collection(PeerTestCollection.Name)]
public sealed class CorruptStateTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("raft-peer-corrupt-");

    private string DatabasePath => Path.Combine(_directory.FullName, "raft.db");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _directory.Delete(recursive: true);
    }

    /// <summary>
    /// On Orleans the failed activation is gone once the silo drops it, shortly after the failed call, where the old
    /// runtime had dropped it before answering: the test waits for that (with a deadline) instead of asserting it at once.
    /// </summary>
    [Theory]
    [InlineData("raft-log-0")]
    [InlineData("raft-hardstate")]
    public async Task APeerWithACorruptRecordDoesNotStartAndTheErrorNamesThePeerAndTheRecord(string record)
    {
        var sqlite = new SqliteGrainStorage("Default", new SqliteGrainStorageOptions
        {
            Path = DatabasePath,
            GrainStorageSerializer = RaftStorageSerializer.Create(),
        });
        // The cluster owns the storage from here: it disposes it (closing the file) with the silo.
        await using var raft = await RaftTestCluster.StartAsync(
            configureCluster: RaftTestCluster.WithStorage(sqlite, new CapturedLog(), PeerStorageTraits.InProcessOrdered));
        for (var i = 1; i <= 3; i++)
        {
            await raft.OneAsync($"cmd-{i}");
        }
        const string victim = "kv/0";
        // Cut it off first, so that no peer's heartbeat re-activates it before the damage is done.
        raft.Disconnect(victim);
        raft.Restart(victim);
        FlipAPayloadByte(victim, record);

        var exception = await Assert.ThrowsAnyAsync<Exception>(() => raft.Peer(victim).Wake());

        Assert.True(exception.Message.Contains(victim), exception.ToString());
        Assert.Contains(record, exception.Message);
        Assert.Contains("corrupt", exception.Message);
        // The failed activation does not stay (Orleans drops an activation whose OnActivateAsync threw).
        await RaftTestCluster.WaitUntilAsync(() => Task.FromResult(!raft.IsActive(victim)), TimeSpan.FromSeconds(5), $"{victim}'s failed activation to go");
        // Asking again does not paper over it with an empty log.
        await Assert.ThrowsAnyAsync<Exception>(() => raft.Peer(victim).GetStatus());
    }

    private void FlipAPayloadByte(string grainKey, string stateName)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DatabasePath, Pooling = false }.ToString());
        connection.Open();
        using var select = connection.CreateCommand();
        select.CommandText = "SELECT payload FROM grain_state WHERE grain_key = $key AND state_name = $state;";
        select.Parameters.AddWithValue("$key", grainKey);
        select.Parameters.AddWithValue("$state", stateName);
        var payload = (byte[])select.ExecuteScalar()!;
        payload[^1] ^= 0x5A;
        using var update = connection.CreateCommand();
        update.CommandText = "UPDATE grain_state SET payload = $payload WHERE grain_key = $key AND state_name = $state;";
        update.Parameters.AddWithValue("$payload", payload);
        update.Parameters.AddWithValue("$key", grainKey);
        update.Parameters.AddWithValue("$state", stateName);
        Assert.Equal(1, update.ExecuteNonQuery());
    }
}
