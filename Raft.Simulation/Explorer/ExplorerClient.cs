using Raft.Client;
using Raft.Grains.Interfaces;
using Raft.Simulation.Linearizability;

namespace Raft.Simulation.Explorer;

/// <summary>
/// One key-value client of an exploration: a session of its own (Raft.Client's KeyValueClient), calling through the
/// simulated network as the named client "c{number}" so that partitions can cut it off, and recording every operation
/// into the shared history (an operation that fails without an answer has an unknown outcome).
/// </summary>
internal sealed class ExplorerClient
{
    private readonly HistoryRecorder<KvInput, KvOutput> history;
    private readonly AcknowledgedWrites acknowledged;
    private readonly Func<KeyValueClient> newSession;
    private KeyValueClient client;

    public ExplorerClient(int number, SimulatedRaftCluster cluster, IReadOnlyList<string> peers,
        HistoryRecorder<KvInput, KvOutput> history, AcknowledgedWrites acknowledged, TimeSpan deadline)
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

    /// <summary>Runs one operation and returns its answer; null when its outcome is unknown (the client gave up).</summary>
    public async Task<KvOutput?> RunAsync(KvInput input)
    {
        var op = history.Begin(Number, input);
        try
        {
            var output = input.Op switch
            {
                KvOp.Get => KvOutput.Of((await client.GetAsync(input.Key)).Value ?? ""),
                KvOp.Put => await Ack(client.PutAsync(input.Key, input.Value)),
                KvOp.Append => await Ack(client.AppendAsync(input.Key, input.Value)),
                KvOp.Delete => await Ack(client.DeleteAsync(input.Key)),
                _ => throw new ArgumentOutOfRangeException(nameof(input), input.Op, "unknown operation"),
            };
            history.End(op, output);
            if (input.Op == KvOp.Append)
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

    private static async Task<KvOutput> Ack(Task operation)
    {
        await operation;
        return KvOutput.Ack;
    }
}
