using System.Net;
using System.Net.Sockets;

namespace Raft.Tests.EndToEnd;

/// <summary>Loopback ports that were free a moment ago, for the silo processes and gateways the tests start (a copy of Raft.TestingHost's, which is being rewritten).</summary>
internal static class LoopbackPorts
{
    /// <summary>Binds <paramref name="count"/> listeners to port 0 at once (so the ports are distinct), then releases them.</summary>
    public static int[] Free(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        try
        {
            listeners.ForEach(l => l.Start());
            return listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        }
        finally
        {
            listeners.ForEach(l => l.Stop());
        }
    }
}
