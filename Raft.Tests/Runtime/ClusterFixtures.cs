using Raft.Runtime.Hosting;
using Raft.TestingHost;

namespace Raft.Tests.Runtime;

internal static class Clusters
{
    public static Task<TestCluster> DeployAsync(int silos = 2, Action<TestClusterOptions>? configure = null)
    {
        var options = new TestClusterOptions
        {
            SiloCount = silos,
            ConfigureSilo = silo => silo.AddGrains(typeof(Clusters).Assembly),
        };
        configure?.Invoke(options);
        return TestCluster.DeployAsync(options);
    }
}
