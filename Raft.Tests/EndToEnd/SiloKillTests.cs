using System.Collections.Concurrent;
using Raft.Client;
using Raft.Grains.Interfaces;
using Raft.Simulation.Linearizability;
using Raft.Tests.AzureBlob;
using Raft.Tests.Linearizability;
using Xunit;
using Xunit.Abstractions;

namespace Raft.Tests.EndToEnd;

/// <summary>
/// Three silo processes, one Raft peer each, membership in Azure Table storage on the tests' Azurite (so it survives
/// any silo), kill -9 of each silo in turn under load.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class SiloKillTests(AzuriteFixture azurite, ITestOutputHelper output)
{
    private static readonly TimeSpan DeathDeadline = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ProgressDeadline = TimeSpan.FromSeconds(30);
    private const int ProgressStep = 10;

    // The catch-up wait at the end once failed in 2 of 3 runs: a follower stayed one entry behind for good, because the
    // leader took the refusal of an append that had overtaken the one before it as stale and never sent its entries
    // again (fixed in RaftNode.HandleAppendReply; FlowControlTests and RestartedPeerCatchUpTests pin it down).
    [Fact]
    public async Task KillingASiloProcessUnderLoadLosesNoAcknowledgedWrite()
    {
        await using var cluster = await ClusterProcesses.StartOnePerPeerAsync(3, azurite.TableConnectionString);
        await using var connection = await EndToEndTests.ConnectAsync(cluster);
        var client = connection.Grains;
        var peers = new[] { "kv/0", "kv/1", "kv/2" };
        var leader = (await EndToEndTests.WaitForLeaderAsync(client, peers)).Single(s => s.IsLeader).Id;
        output.WriteLine($"leader before the kills: {leader}");

        var history = new HistoryRecorder<VersionedKvInput, VersionedKvOutput>(VersionedKvOutput.Unknown);
        var acknowledged = new ConcurrentDictionary<int, List<string>>();
        var acknowledgedCount = 0;
        using var stop = new CancellationTokenSource();
        var writers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            var kv = new KeyValueClient(client, new KeyValueClientOptions { OperationDeadline = TimeSpan.FromSeconds(20) });
            var mine = acknowledged.GetOrAdd(w, _ => new List<string>());
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var token = $"<{w}.{i}>";
                var op = history.Begin(w, VersionedKvInput.Append($"writer-{w}", token));
                try
                {
                    var (value, version) = await kv.AppendAsync($"writer-{w}", token);
                    history.End(op, VersionedKvOutput.Appended(value, (ulong)version));
                    mine.Add(token);
                    Interlocked.Increment(ref acknowledgedCount);
                }
                catch (KeyValueTimeoutException)
                {
                    history.EndUnknown(op);
                    return; // outcome unknown: this writer stops so that its key stays checkable
                }
            }
        })).ToArray();
        int Acknowledged() => Volatile.Read(ref acknowledgedCount);

        await WaitForProgressAsync(Acknowledged, "before the first kill", writers);
        // Each silo in turn, the first (the one a development cluster would keep the membership table on) included.
        foreach (var victim in cluster.Silos)
        {
            var survivors = cluster.Silos.Where(s => s != victim).ToList();
            var from = survivors.Select(s => s.LineCount).ToList();
            var killedAt = await victim.KillAsync();
            output.WriteLine($"killed {victim.Name} with {Acknowledged()} writes acknowledged");

            // The survivors declare it dead (measured: the failure detection settings of Raft.Silo's ClusterConfiguration).
            for (var i = 0; i < survivors.Count; i++)
            {
                var seenAt = await survivors[i].WaitForLineAsync(from[i], line =>
                    line.Contains($"Cluster member {victim.Name} S", StringComparison.Ordinal) && line.Contains(" is Dead ", StringComparison.Ordinal),
                    DeathDeadline);
                output.WriteLine($"  {survivors[i].Name} saw {victim.Name} Dead {(seenAt - killedAt).TotalSeconds:0.00} s after kill -9");
            }

            // The group commits with the victim down, and again once it is back.
            await WaitForProgressAsync(Acknowledged, $"while {victim.Name} is down", writers);
            await victim.StartAsync(TimeSpan.FromSeconds(60));
            output.WriteLine($"restarted {victim.Name}");
            await WaitForProgressAsync(Acknowledged, $"after {victim.Name} restarted", writers);
        }
        stop.Cancel();
        await Task.WhenAll(writers);

        var reader = new KeyValueClient(client);
        foreach (var (writer, tokens) in acknowledged)
        {
            var op = history.Begin(100 + writer, VersionedKvInput.Get($"writer-{writer}"));
            var (read, version) = await reader.GetAsync($"writer-{writer}");
            history.End(op, read is null ? VersionedKvOutput.NoKey : VersionedKvOutput.Found(read, (ulong)version));
            var value = read ?? "";
            // Every acknowledged append is there, in order (an unacknowledged last one may be too).
            Assert.StartsWith(string.Concat(tokens), value);
        }
        var total = acknowledged.Values.Sum(l => l.Count);
        output.WriteLine($"{total} acknowledged appends, all present after kill -9 and restart of every silo");
        Assert.True(total > 20, $"only {total} writes were acknowledged");

        LinearizabilityAssert.Linearizable(LinearizabilityChecker.Check(VersionedKvModel.Instance, history.GetHistory()));

        // Every restarted silo caught up from its own file: each peer applies what the group committed.
        try
        {
            await WaitForCatchUpAsync(client, peers);
        }
        catch (Exception)
        {
            foreach (var silo in cluster.Silos)
            {
                var lines = silo.Output.Split('\n');
                output.WriteLine($"--- last lines of {silo.Name}:\n" + string.Join('\n', lines.TakeLast(60)));
            }
            throw;
        }
    }

    /// <summary>Waits until <see cref="ProgressStep"/> more writes were acknowledged; a writer that failed fails the test at once.</summary>
    private static async Task WaitForProgressAsync(Func<int> acknowledged, string when, Task[] writers)
    {
        var target = acknowledged() + ProgressStep;
        var deadline = DateTime.UtcNow + ProgressDeadline;
        while (acknowledged() < target)
        {
            if (writers.FirstOrDefault(w => w.IsFaulted) is { } failed)
            {
                await failed; // throws the writer's exception
            }
            Assert.True(DateTime.UtcNow < deadline, $"no progress {when}: {acknowledged()} writes acknowledged, waiting for {target}");
            await Task.Delay(50);
        }
    }

    private static async Task WaitForCatchUpAsync(IClusterClient client, string[] peers)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        var last = "no status read";
        while (true)
        {
            try
            {
                var statuses = await Task.WhenAll(peers.Select(p => client.GetGrain<IRaftPeerGrain>(p).GetStatus()));
                var commit = statuses.Max(s => s.CommitIndex);
                last = string.Join(", ", statuses.Select(s => $"{s.Id} ({s.Role}, term {s.Term}) applied {s.LastApplied}, commit {s.CommitIndex}, log to {s.LastLogIndex}, snapshot {s.SnapshotIndex}"));
                if (statuses.All(s => s.LastApplied >= commit))
                {
                    return;
                }
                last += $" of {commit}";
            }
            catch (Exception exception) when (exception is OrleansException or TimeoutException)
            {
                // A gateway or silo the client saw die may be refused for a moment after it came back (Orleans' reconnect
                // backoff); catching up is what is checked, within the deadline.
                last = exception.Message;
            }
            Assert.True(DateTime.UtcNow < deadline, $"peers did not catch up within 30 s: {last}");
            await Task.Delay(100);
        }
    }
}
