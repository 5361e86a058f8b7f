using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Raft.Runtime.Hosting;
using Raft.Runtime.Messaging;

namespace Raft.Runtime.Transport;

/// <summary>
/// The silo's TCP transport: a silo listener for other silos, a gateway listener for clients, one outbound
/// connection per remote silo (created on first use), and a route per connected client for its responses.
/// </summary>
internal sealed class TcpTransport : IMessageTransport
{
    // After a failed connect, sends to that silo fail at once for this long instead of queueing behind retries.
    private static readonly TimeSpan ReconnectBackoff = TimeSpan.FromSeconds(1);

    private readonly SiloMessageCenter center;
    private readonly SiloOptions options;
    private readonly Dictionary<string, SiloEndpoint> members;
    private readonly MessagingOptions messaging;
    private readonly ILogger logger;
    private readonly ConcurrentDictionary<string, Connection> routes = new();
    private readonly ConcurrentDictionary<string, long> lastConnectFailure = new();
    private readonly ConcurrentDictionary<Connection, byte> inbound = new();
    private readonly CancellationTokenSource stopping = new();
    private Socket? siloListener;
    private Socket? gatewayListener;

    public TcpTransport(SiloMessageCenter center, SiloOptions options, ClusterMembershipOptions membership, MessagingOptions messaging, ILoggerFactory loggerFactory)
    {
        this.center = center;
        this.options = options;
        this.messaging = messaging;
        members = membership.Silos.ToDictionary(s => s.Name, StringComparer.Ordinal);
        logger = loggerFactory.CreateLogger("Raft.Runtime.Transport");
    }

    public int SiloPort { get; private set; }

    public int GatewayPort { get; private set; }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        siloListener = Listen(options.SiloPort, "silo");
        SiloPort = ((IPEndPoint)siloListener.LocalEndPoint!).Port;
        if (options.GatewayPort >= 0)
        {
            gatewayListener = Listen(options.GatewayPort, "gateway");
            GatewayPort = ((IPEndPoint)gatewayListener.LocalEndPoint!).Port;
            _ = Detached.Run(() => AcceptLoopAsync(gatewayListener, clients: true));
        }
        _ = Detached.Run(() => AcceptLoopAsync(siloListener, clients: false));
        return Task.CompletedTask;
    }

    private Socket Listen(int port, string what)
    {
        var address = IPAddress.TryParse(options.AdvertisedHost, out var parsed) ? parsed : IPAddress.Loopback;
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(address, port));
            socket.Listen(512);
        }
        catch (SocketException exception)
        {
            socket.Dispose();
            throw new InvalidOperationException($"Silo {options.SiloName} cannot listen on {address}:{port} for its {what} endpoint: {exception.Message}", exception);
        }
        return socket;
    }

    private async Task AcceptLoopAsync(Socket listener, bool clients)
    {
        while (!stopping.IsCancellationRequested)
        {
            Socket accepted;
            try
            {
                accepted = await listener.AcceptAsync(stopping.Token);
            }
            catch (Exception exception) when (exception is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            var connection = new Connection(accepted, messaging.MaxMessageSize, logger)
            {
                OnHello = c => AcceptPeer(c, clients),
                OnMessage = (c, message) => OnInboundMessage(c, message),
                OnClosed = OnInboundClosed,
            };
            inbound[connection] = 0;
            connection.Start();
        }
    }

    private bool AcceptPeer(Connection connection, bool clients)
    {
        if (connection.IsClientPeer != clients)
        {
            logger.LogWarning("Refused {Peer} from {Remote}: a {Kind} on the {Port} port", connection.RemoteName, connection.RemoteEndPoint,
                connection.IsClientPeer ? "client" : "silo", clients ? "gateway" : "silo");
            return false;
        }
        if (clients)
        {
            routes[connection.RemoteName!] = connection;
            logger.LogInformation("Client {Client} connected to gateway {Silo} from {Remote}", connection.RemoteName, options.SiloName, connection.RemoteEndPoint);
        }
        return true;
    }

    private void OnInboundMessage(Connection connection, Message message)
    {
        // A client may only ask for responses to come back to itself.
        if (connection.IsClientPeer && message.ReplyTo != connection.RemoteName)
        {
            logger.LogWarning("Dropped {Message} from client {Client}: reply-to does not name the client", message, connection.RemoteName);
            return;
        }
        center.Receive(message);
    }

    private void OnInboundClosed(Connection connection, Exception? reason)
    {
        inbound.TryRemove(connection, out _);
        if (connection.IsClientPeer && connection.RemoteName is { } name)
        {
            routes.TryRemove(new KeyValuePair<string, Connection>(name, connection));
            logger.LogInformation("Client {Client} disconnected from gateway {Silo}", name, options.SiloName);
        }
    }

    public void Send(string destination, Message message)
    {
        while (true)
        {
            if (routes.TryGetValue(destination, out var existing))
            {
                if (existing.Send(message))
                {
                    return;
                }
                routes.TryRemove(new KeyValuePair<string, Connection>(destination, existing));
                continue;
            }
            if (!members.TryGetValue(destination, out var endpoint))
            {
                throw new SiloUnavailableException($"No route from silo {options.SiloName} to '{destination}'.");
            }
            if (lastConnectFailure.TryGetValue(destination, out var failedAt) && center.Time.GetElapsedTime(failedAt) < ReconnectBackoff)
            {
                throw new SiloUnavailableException($"Silo {destination} at {endpoint.Host}:{endpoint.SiloPort} is unreachable (connect failed {center.Time.GetElapsedTime(failedAt).TotalMilliseconds:F0} ms ago).");
            }
            var connection = new Connection(destination, ct => ConnectAsync(endpoint, ct), messaging.MaxMessageSize, logger, options.SiloName, helloIsClient: false)
            {
                OnMessage = (_, m) => center.Receive(m),
                OnClosed = OnOutboundClosed,
            };
            if (routes.TryAdd(destination, connection))
            {
                connection.Send(message);
                connection.Start();
                return;
            }
        }
    }

    private static async Task<Socket> ConnectAsync(SiloEndpoint endpoint, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(endpoint.Host, endpoint.SiloPort, cancellationToken);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private void OnOutboundClosed(Connection connection, Exception? reason)
    {
        var destination = connection.RemoteName!;
        routes.TryRemove(new KeyValuePair<string, Connection>(destination, connection));
        if (reason is SocketException)
        {
            lastConnectFailure[destination] = center.Time.GetTimestamp();
        }
        if (reason is not null && !stopping.IsCancellationRequested)
        {
            logger.LogWarning("Connection from {Silo} to silo {Destination} lost: {Reason}", options.SiloName, destination, reason.Message);
        }
        var failure = new SiloUnavailableException($"Silo {destination} is unreachable: {reason?.Message ?? "connection closed"}.");
        foreach (var message in connection.DrainUnsent())
        {
            center.OnUndeliverable(message, failure);
        }
        // Calls already written to the lost connection will not be answered.
        center.Callbacks.FailWhere(m => center.PlaceGrain(m.Target) == destination, _ => failure);
    }

    public async ValueTask DisposeAsync()
    {
        stopping.Cancel();
        siloListener?.Dispose();
        gatewayListener?.Dispose();
        foreach (var connection in routes.Values.Concat(inbound.Keys).Distinct().ToArray())
        {
            await connection.DisposeAsync();
        }
    }
}
