using Raft.TestingHost;

namespace Raft.Tests.EndToEnd;

/// <summary>A Raft key-value cluster of real silo processes on loopback, each with its own SQLite file.</summary>
internal sealed class ClusterProcesses : IAsyncDisposable
{
    private ClusterProcesses(DirectoryInfo dataDirectory, List<SiloProcess> silos, List<int> gatewayPorts, string clusterId)
    {
        DataDirectory = dataDirectory;
        Silos = silos;
        GatewayPorts = gatewayPorts;
        ClusterId = clusterId;
    }

    public DirectoryInfo DataDirectory { get; }

    public List<SiloProcess> Silos { get; }

    public List<int> GatewayPorts { get; }

    /// <summary>The Orleans cluster id the silos run under (clients must use it; the service id is the default "raft").</summary>
    public string ClusterId { get; }

    public IEnumerable<string> Gateways => GatewayPorts.Select(p => $"127.0.0.1:{p}");

    /// <summary>
    /// One silo process per peer, peer kv/i pinned to silo si, with the membership table in Azure Table storage
    /// (<paramref name="tableConnectionString"/>) so that it outlives any silo. A fresh cluster id keeps this cluster's
    /// membership rows apart from those of earlier tests on the same Azurite.
    /// </summary>
    public static async Task<ClusterProcesses> StartOnePerPeerAsync(int peers, string tableConnectionString)
    {
        var data = Directory.CreateTempSubdirectory("raft-e2e-");
        // Silo, gateway and web port per silo: the web default (8080) would be taken by the first.
        var ports = LoopbackPorts.Free(peers * 3);
        var clusterId = "e2e-" + Guid.NewGuid().ToString("N")[..12];
        var common = new List<string>
        {
            "--Cluster:Membership=AzureTable",
            $"--Cluster:ConnectionString={tableConnectionString}",
            $"--Cluster:ClusterId={clusterId}",
        };
        for (var i = 0; i < peers; i++)
        {
            common.Add($"--Raft:Groups:kv:{i}={i}");
            common.Add($"--Raft:PeerSilos:kv/{i}=s{i}");
        }
        var silos = new List<SiloProcess>();
        for (var i = 0; i < peers; i++)
        {
            silos.Add(new SiloProcess($"s{i}", common.Concat(
            [
                $"--Silo:SiloName=s{i}",
                $"--Silo:SiloPort={ports[2 * i]}",
                $"--Silo:GatewayPort={ports[2 * i + 1]}",
                $"--Web:Port={ports[2 * peers + i]}",
                $"--Storage:Default:Path={Path.Combine(data.FullName, $"s{i}.db")}",
            ]).ToList()));
        }
        var cluster = new ClusterProcesses(data, silos, Enumerable.Range(0, peers).Select(i => ports[2 * i + 1]).ToList(), clusterId);
        try
        {
            await Task.WhenAll(silos.Select(s => s.StartAsync(TimeSpan.FromSeconds(60))));
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
        return cluster;
    }

    /// <summary>
    /// The embedded default: one silo process hosting all three peers (SQLite in a temporary folder, localhost
    /// membership), with <paramref name="settings"/> added to its command line.
    /// </summary>
    public static async Task<ClusterProcesses> StartSingleAsync(params string[] settings)
    {
        var data = Directory.CreateTempSubdirectory("raft-e2e-");
        var ports = LoopbackPorts.Free(3);
        var silo = new SiloProcess("silo0",
        [
            $"--Silo:SiloPort={ports[0]}",
            $"--Silo:GatewayPort={ports[1]}",
            $"--Web:Port={ports[2]}",
            $"--Storage:Default:Path={Path.Combine(data.FullName, "raft.db")}",
            .. settings,
        ]);
        var cluster = new ClusterProcesses(data, [silo], [ports[1]], "raft");
        try
        {
            await silo.StartAsync(TimeSpan.FromSeconds(60));
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
        return cluster;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var silo in Silos)
        {
            await silo.DisposeAsync();
        }
        try
        {
            DataDirectory.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
