using System.Globalization;
using Raft.Client;

namespace Raft.Benchmarks.Failover;

/// <summary>A <see cref="KeyValueClient"/> with the library's default retries and timeouts, its attempts traced.</summary>
internal sealed class RaftAppendSession(IGrainFactory grains, KeyValueClientOptions options, MicrosecondClock clock) : IAppendSession
{
    private readonly TracingTransport _trace = new(new GrainKeyValueTransport(grains), options.Peers, clock);
    private KeyValueClient? _client;

    public IReadOnlyList<ClientAttempt> Attempts => _trace.Attempts;

    private KeyValueClient Client => _client ??= new KeyValueClient(_trace, options);

    public async Task<int> AppendAsync(string key, int sequence, CancellationToken cancellationToken)
    {
        try
        {
            await Client.AppendAsync(key, string.Create(CultureInfo.InvariantCulture, $"{sequence},"), cancellationToken);
        }
        catch (KeyValueTimeoutException exception)
        {
            throw new AppendOutcomeUnknownException(exception.Message, exception);
        }
        catch (KeyValueSessionExpiredException exception)
        {
            throw new AppendOutcomeUnknownException(exception.Message, exception) { SessionLost = true };
        }
        // After a successful operation the client's leader is the peer that answered it.
        return options.Peers.IndexOf(Client.LeaderPeer);
    }

    public async Task<string?> ReadAsync(string key) => (await Client.GetAsync(key)).Value;
}
