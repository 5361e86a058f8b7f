using Xunit;
using System.Net;
using System.Text.Json;
using Raft.Client;

namespace Raft.Tests.Pages;

/// <summary>One in-process silo shared by the tests of <see cref="RaftStatusJsonTests"/>.</summary>
public sealed class RaftStatusJsonSilo : IAsyncLifetime
{
    internal InProcessSilo Silo { get; private set; } = null!;

    public async Task InitializeAsync() => Silo = await InProcessSilo.StartAsync();

    public async Task DisposeAsync() => await Silo.DisposeAsync();
}

/// <summary>/raft/status.json on a real silo: what it reports, live, with a peer down, and how it answers bad queries.</summary>
public sealed class RaftStatusJsonTests(RaftStatusJsonSilo fixture) : IClassFixture<RaftStatusJsonSilo>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    private InProcessSilo Silo => fixture.Silo;

    [Fact]
    public async Task ReportsThreePeersExactlyOneLeaderAndItsReplicationToBothFollowers()
    {
        var leader = await Silo.WaitForLeaderAsync(_ => true, Deadline);
        JsonElement group = default;
        // The leader's follower entries fill in with the first replies; wait for a report that has them.
        await Conditions.WaitUntilAsync(async () =>
        {
            group = (await Silo.StatusAsync()).GetProperty("groups")[0];
            return LeaderStatus(group) is { } status && status.GetProperty("followers").ValueKind == JsonValueKind.Array
                && status.GetProperty("followers").EnumerateArray().All(f => f.GetProperty("lastContact").ValueKind == JsonValueKind.String);
        }, Deadline, "the leader's replication progress on both followers");

        Assert.Equal("kv", group.GetProperty("group").GetString());
        var peers = group.GetProperty("peers").EnumerateArray().ToList();
        Assert.Equal(["0", "1", "2"], peers.Select(p => p.GetProperty("peer").GetString()));
        Assert.Single(peers, p => p.GetProperty("status").GetProperty("role").GetString() == "Leader");
        var followers = LeaderStatus(group)!.Value.GetProperty("followers").EnumerateArray().Select(f => f.GetProperty("peer").GetString()).ToList();
        Assert.Equal(new[] { "kv/0", "kv/1", "kv/2" }.Where(p => p != group.GetProperty("leader").GetString()), followers.Order());
        var changes = group.GetProperty("leaderChanges").EnumerateArray().ToList();
        Assert.Contains(changes, c => c.GetProperty("leader").GetString() == leader);
    }

    [Fact]
    public async Task ACommittedWriteShowsOnEveryPeersCommitAndAppliedIndex()
    {
        await Silo.WaitForLeaderAsync(_ => true, Deadline);
        var version = await new KeyValueClient(Silo.Grains).PutAsync("page", "live");
        Assert.True(version > 0);
        var index = 0L;
        await Conditions.WaitUntilAsync(async () =>
        {
            var peers = (await Silo.StatusAsync()).GetProperty("groups")[0].GetProperty("peers").EnumerateArray().ToList();
            var leader = peers.Select(p => p.GetProperty("status")).Single(s => s.GetProperty("role").GetString() == "Leader");
            index = leader.GetProperty("lastLogIndex").GetInt64();
            return peers.All(p => p.GetProperty("status").GetProperty("lastApplied").GetInt64() >= index && index > 0);
        }, Deadline, "every peer applying the leader's whole log");
    }

    [Fact]
    public async Task APeerThatIsDownShowsAsUnreachableWhileTheOthersStillReport()
    {
        var leader = await Silo.WaitForLeaderAsync(_ => true, Deadline);
        var follower = new[] { "kv/0", "kv/1", "kv/2" }.First(p => p != leader);
        Silo.Crash(follower);
        try
        {
            await Conditions.WaitUntilAsync(async () =>
            {
                var peers = (await Silo.StatusAsync()).GetProperty("groups")[0].GetProperty("peers").EnumerateArray().ToList();
                var down = peers.Single(p => $"kv/{p.GetProperty("peer").GetString()}" == follower);
                return down.GetProperty("status").ValueKind == JsonValueKind.Null
                    && down.GetProperty("error").GetString() is { Length: > 0 }
                    && peers.Count(p => p.GetProperty("status").ValueKind == JsonValueKind.Object) == 2;
            }, Deadline, $"{follower} reported unreachable beside two peers that answer");
        }
        finally
        {
            Silo.Revive(follower);
        }
        await Conditions.WaitUntilAsync(async () =>
            (await Silo.StatusAsync()).GetProperty("groups")[0].GetProperty("peers").EnumerateArray()
                .All(p => p.GetProperty("status").ValueKind == JsonValueKind.Object), Deadline, $"{follower} answering again");
    }

    [Theory]
    [InlineData("?window=abc")]
    [InlineData("?window=0")]
    [InlineData("?window=-5")]
    [InlineData("?window=1e3")]
    [InlineData("?window=99999999999999999999")]
    [InlineData("?window=60&window=120")]
    [InlineData("?group=")]
    [InlineData("?group=kv&group=kv")]
    public async Task MalformedQueryParametersGet400(string query)
    {
        await Silo.WaitForLeaderAsync(_ => true, Deadline);
        using var response = await Silo.Http.GetAsync($"raft/status.json{query}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task AnUnknownGroupGets404AndAKnownOneItsReport()
    {
        await Silo.WaitForLeaderAsync(_ => true, Deadline);
        using var unknown = await Silo.Http.GetAsync("raft/status.json?group=nope");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("kv", await unknown.Content.ReadAsStringAsync());

        var report = await Silo.StatusAsync("?group=kv&window=60");
        Assert.Equal("kv", Assert.Single(report.GetProperty("groups").EnumerateArray()).GetProperty("group").GetString());
    }

    [Fact]
    public async Task ThePageAndItsScriptAreServedFromTheSilo()
    {
        using var page = await Silo.Http.GetAsync("raft");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("/raft/raft.js", await page.Content.ReadAsStringAsync());
        using var script = await Silo.Http.GetAsync("raft/raft.js");
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.Contains("status.json", await script.Content.ReadAsStringAsync());
    }

    private static JsonElement? LeaderStatus(JsonElement group) =>
        group.GetProperty("peers").EnumerateArray().Select(p => p.GetProperty("status"))
            .Where(s => s.ValueKind == JsonValueKind.Object && s.GetProperty("role").GetString() == "Leader")
            .Select(s => (JsonElement?)s).FirstOrDefault();
}
