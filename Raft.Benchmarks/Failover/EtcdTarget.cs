using System.Globalization;
using System.Text.Json.Nodes;

namespace Raft.Benchmarks.Failover;

/// <summary>A 3-member etcd through its JSON gateway; member i is peer "i", its log named m{i}.</summary>
internal sealed class EtcdTarget(IReadOnlyList<Uri> endpoints, TimeSpan attemptTimeout, MicrosecondClock clock) : IFailoverTarget
{
    private static readonly TimeSpan StatusTimeout = TimeSpan.FromSeconds(1);
    // One connection pool for all clients, as one etcd client process would have; a killed member refuses at once.
    private readonly HttpClient _http = new(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(3) }) { Timeout = Timeout.InfiniteTimeSpan };

    public LogPatterns Patterns { get; } = new("is starting a new election at term", "became leader at term", null, null);

    public IAppendSession NewSession(int writer) => new EtcdAppendSession(_http, endpoints, writer, attemptTimeout, clock);

    public Task<JsonNode[]> StatusAsync() => Task.WhenAll(endpoints.Select((endpoint, i) =>
        EtcdStatus.QueryAsync(_http, endpoint, i.ToString(CultureInfo.InvariantCulture), StatusTimeout)));

    public ValueTask DisposeAsync()
    {
        _http.Dispose();
        return ValueTask.CompletedTask;
    }
}
