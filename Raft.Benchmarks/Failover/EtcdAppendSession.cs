using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace Raft.Benchmarks.Failover;

/// <summary>
/// An etcd client for the failover benchmark over etcd's JSON gateway (POST /v3/kv/put, /v3/kv/range), with the same
/// retry policy as <see cref="Raft.Client.KeyValueClient"/>'s defaults so that the two systems are compared, not two
/// clients: 3 s per attempt, on any failure the next endpoint, 50 ms pause after a round of all endpoints, 10 s per
/// operation. An "append" of n to key k is a put of k/n = "n,"; reading k concatenates the values under k/ in order.
/// </summary>
internal sealed class EtcdAppendSession(HttpClient http, IReadOnlyList<Uri> endpoints, int first, TimeSpan attemptTimeout, MicrosecondClock clock) : IAppendSession
{
    /// <summary>KeyValueClientOptions.AttemptTimeout's default.</summary>
    public static readonly TimeSpan DefaultAttemptTimeout = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan OperationDeadline = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan RoundBackoff = TimeSpan.FromMilliseconds(50);

    private readonly List<ClientAttempt> _attempts = [];
    private int _current = first % endpoints.Count;

    public IReadOnlyList<ClientAttempt> Attempts => _attempts;

    public async Task<int> AppendAsync(string key, int sequence, CancellationToken cancellationToken)
    {
        var body = new JsonObject
        {
            ["key"] = Base64(string.Create(CultureInfo.InvariantCulture, $"{key}/{sequence:D9}")),
            ["value"] = Base64(string.Create(CultureInfo.InvariantCulture, $"{sequence},")),
        };
        await SendUntilAnsweredAsync("v3/kv/put", body, cancellationToken);
        return _current;
    }

    public async Task<string?> ReadAsync(string key)
    {
        var prefix = key + "/";
        var end = prefix[..^1] + (char)(prefix[^1] + 1);
        var body = new JsonObject { ["key"] = Base64(prefix), ["range_end"] = Base64(end) };
        var response = await SendUntilAnsweredAsync("v3/kv/range", body, CancellationToken.None);
        if (response["kvs"] is not JsonArray kvs || kvs.Count == 0)
        {
            return null;
        }
        // Keys are zero-padded sequence numbers: etcd returns them in order.
        return string.Concat(kvs.Select(kv => FromBase64((string)kv!["value"]!)));
    }

    private async Task<JsonObject> SendUntilAnsweredAsync(string path, JsonObject body, CancellationToken cancellationToken)
    {
        var deadline = clock.NowMicros() + (long)OperationDeadline.TotalMicroseconds;
        var triedThisRound = 0;
        Exception? last = null;
        while (clock.NowMicros() < deadline)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var start = clock.NowMicros();
            string outcome;
            try
            {
                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                attempt.CancelAfter(attemptTimeout);
                using var response = await http.PostAsJsonAsync(new Uri(endpoints[_current], path), body, attempt.Token);
                var json = await response.Content.ReadFromJsonAsync<JsonObject>(attempt.Token);
                if (response.IsSuccessStatusCode && json is not null)
                {
                    Record(start, "Ok");
                    return json;
                }
                // "etcdserver: no leader", "leader changed", "request timed out": try the next member.
                outcome = "Error: " + ((string?)json?["error"] ?? response.StatusCode.ToString());
                last = new HttpRequestException(outcome);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                outcome = "TimeoutException";
                last = new TimeoutException($"{endpoints[_current]} did not answer within {attemptTimeout}");
            }
            catch (HttpRequestException exception)
            {
                outcome = nameof(HttpRequestException);
                last = exception;
            }
            Record(start, outcome);
            _current = (_current + 1) % endpoints.Count;
            if (++triedThisRound >= endpoints.Count)
            {
                triedThisRound = 0;
                await Task.Delay(RoundBackoff, cancellationToken);
            }
        }
        throw new AppendOutcomeUnknownException($"etcd did not acknowledge within {OperationDeadline}", last);
    }

    private void Record(long start, string outcome) => _attempts.Add(new ClientAttempt(start, clock.NowMicros(), _current, outcome));

    private static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    private static string FromBase64(string text) => Encoding.UTF8.GetString(Convert.FromBase64String(text));
}
