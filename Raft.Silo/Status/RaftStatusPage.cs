using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Primitives;

namespace Raft.Silo;

/// <summary>
/// The live Raft page: GET /raft (the page), /raft/raft.js (its script, both embedded in this assembly) and
/// /raft/status.json (the monitor's latest report; ?group=kv for one group, ?window=300 for the seconds of leader history).
/// </summary>
public static class RaftStatusPage
{
    /// <summary>The leader history a report carries unless ?window= asks otherwise.</summary>
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromMinutes(5);

    private static readonly Dictionary<string, string> Assets = new(StringComparer.Ordinal)
    {
        ["raft.html"] = "text/html; charset=utf-8",
        ["raft.js"] = "text/javascript; charset=utf-8",
    };

    public static IServiceCollection AddRaftStatusPage(this IServiceCollection services, TimeSpan interval)
    {
        services.AddSingleton(new RaftStatusMonitorOptions(interval));
        services.AddSingleton<LeaderTimeline>();
        services.AddSingleton<RaftStatusMonitor>();
        services.AddHostedService(sp => sp.GetRequiredService<RaftStatusMonitor>());
        return services;
    }

    /// <summary>Maps the page under /raft; the returned group takes the host's policies (RequireAuthorization, ...).</summary>
    public static RouteGroupBuilder MapRaftStatusPage(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/raft");
        group.MapGet("/", () => Asset("raft.html"));
        group.MapGet("/raft.js", () => Asset("raft.js"));
        group.MapGet("/status.json", (HttpRequest request, RaftStatusMonitor monitor, LeaderTimeline timeline) =>
            StatusJson(request.Query, monitor, timeline));
        return group;
    }

    private static IResult StatusJson(IQueryCollection query, RaftStatusMonitor monitor, LeaderTimeline timeline)
    {
        if (!TryParseQuery(query, monitor, out var groupName, out var window, out var problem))
        {
            return problem;
        }
        if (monitor.Latest is not { } report)
        {
            return Results.Problem("The first status poll has not finished yet; retry in a second.", statusCode: StatusCodes.Status503ServiceUnavailable);
        }
        var groups = report.Groups
            .Where(g => groupName is null || g.Group == groupName)
            .Select(g => g with { LeaderChanges = timeline.Since(g.Group, report.GeneratedAt - window) })
            .ToArray();
        return Results.Json(report with { Groups = groups });
    }

    /// <summary>?group= must name a configured group (404 otherwise); ?window= is whole seconds within the retained history.</summary>
    private static bool TryParseQuery(IQueryCollection query, RaftStatusMonitor monitor, out string? group, out TimeSpan window, out IResult problem)
    {
        group = null;
        window = DefaultWindow;
        problem = Results.Empty;
        if (query.TryGetValue("group", out var groups))
        {
            if (Single(groups) is not { Length: > 0 } name)
            {
                problem = BadRequest("group must be given once, with a group name (for example ?group=kv).");
                return false;
            }
            if (!monitor.Groups.Contains(name, StringComparer.Ordinal))
            {
                problem = Results.Problem($"No group '{name}' is configured (groups: {string.Join(", ", monitor.Groups)}).", statusCode: StatusCodes.Status404NotFound);
                return false;
            }
            group = name;
        }
        if (query.TryGetValue("window", out var windows))
        {
            var max = (int)LeaderTimeline.Retention.TotalSeconds;
            if (!int.TryParse(Single(windows), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || seconds < 1 || seconds > max)
            {
                problem = BadRequest($"window must be given once, as whole seconds from 1 to {max} (for example ?window=300).");
                return false;
            }
            window = TimeSpan.FromSeconds(seconds);
        }
        return true;
    }

    private static string? Single(StringValues values) => values.Count == 1 ? values[0] : null;

    private static IResult BadRequest(string detail) => Results.Problem(detail, statusCode: StatusCodes.Status400BadRequest);

    private static IResult Asset(string name)
    {
        var stream = typeof(RaftStatusPage).Assembly.GetManifestResourceStream($"RaftPage/{name}")
            ?? throw new InvalidOperationException($"The silo assembly lacks its embedded page asset RaftPage/{name}.");
        return Results.Stream(stream, Assets[name]);
    }
}
