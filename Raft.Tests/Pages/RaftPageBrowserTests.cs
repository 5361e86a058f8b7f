using Xunit;
using Microsoft.Playwright;
using Raft.Client;
using Xunit.Abstractions;

namespace Raft.Tests.Pages;

/// <summary>
/// The /raft page in headless Chromium (Debian's, installed by scripts/test.sh; Playwright drives it, it downloads
/// nothing) against a real three-peer silo: the table shows the group, and follows a leader crash live. Screenshots go
/// to the test output folder (artifacts/raft-page-*.png).
/// </summary>
public sealed class RaftPageBrowserTests(ITestOutputHelper output)
{
    /// <summary>Debian's chromium; RAFT_CHROMIUM names another.</summary>
    private static readonly string Chromium = Environment.GetEnvironmentVariable("RAFT_CHROMIUM") ?? "/usr/bin/chromium";

    [Fact]
    public async Task ThePageShowsThreePeersWithOneLeaderAndANewLeaderWithin5sOfTheLeadersCrash()
    {
        Assert.True(File.Exists(Chromium), $"No Chromium at {Chromium}: scripts/test.sh installs it (apt-get install chromium), or set RAFT_CHROMIUM.");
        await using var silo = await InProcessSilo.StartAsync();
        // A few committed writes, so the indexes on the page (and in its screenshot) are not all zero.
        var client = new KeyValueClient(silo.Grains);
        foreach (var key in new[] { "alpha", "beta", "gamma" })
        {
            await client.PutAsync(key, "value");
        }
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = Chromium, Headless = true });
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1100, Height = 760 } });
        await page.GotoAsync(new Uri(silo.BaseAddress, "raft").ToString());

        var rows = page.Locator("section[data-group=kv] tr.peer-row");
        var leaders = page.Locator("section[data-group=kv] tr.peer-row[data-role=Leader]");
        await Assertions.Expect(rows).ToHaveCountAsync(3, new() { Timeout = 20_000 });
        await Assertions.Expect(leaders).ToHaveCountAsync(1, new() { Timeout = 20_000 });
        // The leader's replication table appears with its first report.
        await Assertions.Expect(page.Locator("section[data-group=kv] tr.follower-row")).ToHaveCountAsync(2, new() { Timeout = 10_000 });
        var leader = await leaders.GetAttributeAsync("data-peer");
        Assert.NotNull(leader);
        await Screenshot(page, "raft-page-before-crash.png");

        silo.Crash(leader);
        // Within 5 s: the crashed leader's row says unreachable and exactly one other peer leads.
        await Assertions.Expect(page.Locator($"tr.peer-row[data-peer='{leader}']")).ToHaveAttributeAsync("data-role", "unreachable", new() { Timeout = 5_000 });
        await Assertions.Expect(page.Locator($"section[data-group=kv][data-leader]:not([data-leader='{leader}']):not([data-leader=''])"))
            .ToHaveCountAsync(1, new() { Timeout = 5_000 });
        await Assertions.Expect(leaders).ToHaveCountAsync(1);
        Assert.NotEqual(leader, await leaders.GetAttributeAsync("data-peer"));
        await Screenshot(page, "raft-page-after-crash.png");
    }

    private async Task Screenshot(IPage page, string name)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "artifacts", name);
        await page.ScreenshotAsync(new() { Path = path, FullPage = true });
        output.WriteLine($"screenshot: {path}");
    }
}
