using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Raft.Benchmarks.Failover;

/// <summary>
/// etcd members' status (POST /v3/maintenance/status) in the shape of the Raft peers' rows of CONTROL/status.json,
/// so the script finds the leader and waits for catch-up the same way for both systems.
/// </summary>
internal static class EtcdStatus
{
    public static async Task<JsonNode> QueryAsync(HttpClient http, Uri endpoint, string peer, TimeSpan timeout)
    {
        try
        {
            using var deadline = new CancellationTokenSource(timeout);
            using var response = await http.PostAsJsonAsync(new Uri(endpoint, "v3/maintenance/status"), new JsonObject(), deadline.Token);
            var s = (await response.Content.ReadFromJsonAsync<JsonObject>(deadline.Token))!;
            var member = (string?)s["header"]?["member_id"];
            return new JsonObject
            {
                ["peer"] = peer,
                ["reachable"] = response.IsSuccessStatusCode,
                ["role"] = member is not null && member == (string?)s["leader"] ? "Leader" : "Follower",
                ["term"] = Number(s["raftTerm"]),
                ["commitIndex"] = Number(s["raftIndex"]),
                ["lastApplied"] = Number(s["raftAppliedIndex"]),
            };
        }
        catch (Exception exception)
        {
            // Best effort, like the Raft rows: a killed member refuses the connection.
            return new JsonObject { ["peer"] = peer, ["reachable"] = false, ["error"] = exception.GetType().Name };
        }
    }

    // The gateway writes 64-bit numbers as strings.
    private static long Number(JsonNode? node) => node is null ? 0 : long.Parse((string)node!, System.Globalization.CultureInfo.InvariantCulture);
}
