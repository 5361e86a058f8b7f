using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Raft.Silo;

/// <summary>
/// Logs every change of a cluster member's status as this silo sees it ("Cluster member s0 S127.0.0.1:11111:… is Dead"),
/// so an operator (and the multi-process tests) can tell when a failed silo was declared dead and by whom.
/// </summary>
internal sealed class MembershipChangeLogger(IClusterMembershipService membership, ILocalSiloDetails local, ILogger<MembershipChangeLogger> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var known = new Dictionary<SiloAddress, SiloStatus>();
        try
        {
            await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(stoppingToken))
            {
                foreach (var (address, member) in snapshot.Members)
                {
                    if (known.TryGetValue(address, out var previous) && previous == member.Status)
                    {
                        continue;
                    }
                    known[address] = member.Status;
                    logger.LogInformation(
                        "Cluster member {MemberName} {MemberAddress} is {MemberStatus} (seen by {SiloName}, membership version {MembershipVersion})",
                        member.Name, address, member.Status, local.Name, snapshot.Version.Value);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
