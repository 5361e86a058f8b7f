using Microsoft.Extensions.Logging;
using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Raft.Tests.Peer;

/// <summary>
/// After a real process crash, a write the dead process had sent may land after the peer restarted and read its state;
/// the peer's next write of that record then fails its ETag check (on this memory storage, which has no fence; with a
/// fence the first such write is the fence's own, see <see cref="ActivationFenceTests"/>). The peer deactivates (logging peer and record), the
/// next call activates it again, it reads everything back, and the group goes on with nothing acknowledged lost.
/// </summary>
[Collection(PeerTestCollection.Name)]
public sealed class LateWriteTests(ITestOutputHelper output)
{
    public enum Victim
    {
        Leader,
        Follower,
    }

    [Theory]
    [InlineData(Victim.Leader)]
    [InlineData(Victim.Follower)]
    public async Task APeerWhoseWriteMeetsALateWrite_Deactivates_ComesBackOnTheNextCall_AndTheGroupGoesOn(Victim role)
    {
        var storage = new LateWriteInjectingStorage();
        var log = new CapturedLog();
        await using var raft = await RaftTestCluster.StartAsync(configureCluster: RaftTestCluster.WithStorage(storage, log, LateWriteInjectingStorage.Traits));
        var acknowledged = new Dictionary<long, string>();
        for (var i = 0; i < 3; i++)
        {
            acknowledged[await raft.OneAsync($"before-{i}")] = $"before-{i}";
        }
        var (leader, _) = await raft.WaitForLeaderAsync();
        var victim = role == Victim.Leader ? leader : raft.PeerIds.First(id => id != leader);
        var activations = raft.StateMachines.Activations(victim);

        storage.InjectBeforeNextWrite(raft.GrainIdOf(victim), "raft-log-");
        acknowledged[await CommitDespiteFailuresAsync(raft, "after-late-write")] = "after-late-write";

        var record = await storage.Injected.Task.WaitAsync(TimeSpan.FromSeconds(5));
        var warning = log.Lines.FirstOrDefault(line => line.Level == LogLevel.Warning && line.Message.Contains("another writer changed the record", StringComparison.Ordinal));
        Assert.True(warning is not null, "no warning about the conflict in the silo log");
        output.WriteLine(warning.ToString());
        Assert.Contains($"Raft peer {victim}", warning.Message, StringComparison.Ordinal);
        Assert.Contains($"record '{record}'", warning.Message, StringComparison.Ordinal);
        Assert.Contains("Deactivating", warning.Message, StringComparison.Ordinal);
        Assert.True(raft.StateMachines.Activations(victim) > activations, $"{victim} was not activated again after the conflict");

        // The new activation read everything back: every acknowledged command is applied on every peer, and more commit.
        acknowledged[await raft.OneAsync("more", timeout: TimeSpan.FromSeconds(20))] = "more";
        foreach (var id in raft.PeerIds)
        {
            foreach (var (index, command) in acknowledged)
            {
                Assert.Equal(command, raft.Machine(id).CommandAt(index));
            }
        }
        raft.AssertNoApplyErrors();
    }

    /// <summary>
    /// Offers the command until it is committed on every peer. A Start on the victim fails while it deactivates (its
    /// write failed, so it must not answer); that is retried, as a client would.
    /// </summary>
    private async Task<long> CommitDespiteFailuresAsync(RaftTestCluster raft, string command)
    {
        var failures = new List<string>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                return await raft.OneAsync(command, timeout: TimeSpan.FromSeconds(5));
            }
            catch (Exception exception) when (exception is not XunitException)
            {
                failures.Add($"{exception.GetType().Name}: {exception.Message}");
            }
        }
        throw new XunitException($"'{command}' was not committed within 30 s; failures: {string.Join(Environment.NewLine, failures)}");
    }
}
