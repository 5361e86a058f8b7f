using Raft.Client;
using Raft.Grains.Interfaces;
using Raft.Simulation.Linearizability;

namespace Raft.Simulation.Explorer;

/// <summary>
/// One key-value client of an exploration: a session of its own (Raft.Client's KeyValueClient), calling through the
/// simulated network as the named client "c{number}" so that partitions can cut it off, and recording every operation
/// with the values and versions the service answered into the shared history (an operation that fails without an
/// answer has an unknown outcome).
/// </summary>
internal sealed class ExplorerClient
{
    private readonly HistoryRecorder<VersionedKvInput, VersionedKvOutput> history;
    private readonly Dictionary<string, ulong> versions = new(StringComparer.Ordinal);
    private readonly AcknowledgedWrites acknowledged;
    private readonly Func<KeyValueClient> newSession;
    private KeyValueClient client;

    public ExplorerClient(int number, SimulatedRaftCluster cluster, IReadOnlyList<string> peers,
        HistoryRecorder<VersionedKvInput, VersionedKvOutput> history, AcknowledgedWrites acknowledged, TimeSpan deadline)
    {
        Number = number;
        this.history = history;
        this.acknowledged = acknowledged;
        var transport = new SimulatedKeyValueTransport(cluster, ClientName(number));
        newSession = () => new KeyValueClient(transport, new KeyValueClientOptions
        {
            Group = FaultExplorer.Group,
            Peers = peers.ToList(),
            OperationDeadline = deadline,
            AttemptTimeout = TimeSpan.FromSeconds(1),
        }, cluster.Loop);
        client = newSession();
    }

    public int Number { get; }

    public string Name => ClientName(Number);

    public static string ClientName(int number) => $"c{number}";

    /// <summary>
    /// The version of <paramref name="key"/> in this client's last answer about it (0 when it has none, or the key was
    /// missing): what a read-modify-write client passes to a conditional put, stale whenever another client wrote since.
    /// </summary>
    public ulong LastSeenVersion(string key) => versions.GetValueOrDefault(key);

    /// <summary>Runs one operation and returns its answer; null when its outcome is unknown (the client gave up).</summary>
    public async Task<VersionedKvOutput?> RunAsync(VersionedKvInput input)
    {
        var op = history.Begin(Number, input);
        try
        {
            var response = await client.ExecuteAsync(KeyValueHistory.ToOperation(input));
            var output = KeyValueHistory.ToOutput(input, response);
            history.End(op, output);
            versions[input.Key] = output.Version; // 0 for a missing or deleted key
            if (input.Op == VersionedKvOp.Append)
            {
                acknowledged.Add(input.Key, input.Value);
            }
            return output;
        }
        catch (Exception exception) when (exception is KeyValueTimeoutException or LostMessageException or TimeoutException)
        {
            history.EndUnknown(op);
            return null;
        }
        catch (KeyValueSessionExpiredException)
        {
            // The servers evicted the session. A retried request may have been applied by an earlier attempt, so the
            // outcome is unknown; the client goes on with a new session.
            history.EndUnknown(op);
            client = newSession();
            return null;
        }
    }
}
