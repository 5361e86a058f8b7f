using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Raft.Runtime.Messaging;
using Raft.Runtime.References;
using Raft.Runtime.Serialization;
using Raft.Runtime.Transport;

namespace Raft.Runtime.Client;

/// <summary>A client of a cluster: a grain factory whose calls go through a silo's gateway.</summary>
public interface IClusterClient : IGrainFactory, IAsyncDisposable
{
    /// <summary>The gateway currently connected to, as "host:port", or null while disconnected.</summary>
    string? ConnectedGateway { get; }
}

/// <summary>
/// Connects to a gateway over TCP; every call is a request on that connection and its response comes back on
/// it. When the connection drops, calls in flight fail with <see cref="SiloUnavailableException"/> and the
/// next call reconnects, trying the gateways in order.
/// </summary>
public sealed class ClusterClient : IClusterClient, IHostedService
{
    private readonly ClusterClientOptions options;
    private readonly ILogger logger;
    private readonly ClientMessageCenter center;
    private readonly GrainReferenceFactory references = new();
    private readonly object gate = new();
    private Connection? connection;
    private int nextGateway;
    private bool reconnecting;
    private bool stopped;

    public ClusterClient(ClusterClientOptions options, ILoggerFactory? loggerFactory = null, TimeProvider? time = null)
    {
        if (options.Gateways.Count == 0)
        {
            throw new ArgumentException("At least one gateway endpoint is required.", nameof(options));
        }
        foreach (var gateway in options.Gateways)
        {
            ParseEndpoint(gateway);
        }
        this.options = options;
        logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<ClusterClient>();
        var serializer = new WireSerializer(references);
        center = new ClientMessageCenter(this, serializer, time ?? TimeProvider.System, options.Messaging);
        references.Initialize(center, serializer);
        Address = $"client/{Guid.NewGuid():N}";
    }

    /// <summary>The address the gateway sends this client's responses to.</summary>
    public string Address { get; }

    public string? ConnectedGateway { get; private set; }

    /// <summary>Connects a new client, failing with <see cref="SiloUnavailableException"/> if no gateway answers in time.</summary>
    public static async Task<ClusterClient> ConnectAsync(ClusterClientOptions options, ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        var client = new ClusterClient(options, loggerFactory);
        await client.StartAsync(cancellationToken);
        return client;
    }

    public TGrainInterface GetGrain<TGrainInterface>(string primaryKey)
        where TGrainInterface : IGrainWithStringKey
        => references.GetGrain<TGrainInterface>(primaryKey);

    public TGrainInterface GetGrain<TGrainInterface>(long primaryKey)
        where TGrainInterface : IGrainWithIntegerKey
        => references.GetGrain<TGrainInterface>(primaryKey);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        lock (gate)
        {
            stopped = false;
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.ConnectTimeout);
        var errors = new List<string>();
        for (var attempt = 0; attempt < options.Gateways.Count; attempt++)
        {
            var gateway = options.Gateways[(nextGateway + attempt) % options.Gateways.Count];
            var (host, port) = ParseEndpoint(gateway);
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await socket.ConnectAsync(host, port, timeout.Token);
            }
            catch (Exception exception) when (exception is SocketException or OperationCanceledException)
            {
                socket.Dispose();
                errors.Add($"{gateway}: {(exception is OperationCanceledException ? "timed out" : exception.Message)}");
                if (timeout.IsCancellationRequested)
                {
                    break;
                }
                continue;
            }
            Attach(socket, gateway);
            nextGateway = (nextGateway + attempt) % options.Gateways.Count;
            logger.LogInformation("Client connected to gateway {Gateway}", gateway);
            return;
        }
        throw new SiloUnavailableException($"Could not connect to any gateway ({string.Join("; ", errors)}).");
    }

    private void Attach(Socket socket, string gateway)
    {
        var attached = new Connection(gateway, _ => Task.FromResult(socket), options.Messaging.MaxMessageSize, logger, Address, helloIsClient: true)
        {
            OnMessage = (_, message) => center.Callbacks.Complete(message),
            OnClosed = OnClosed,
        };
        lock (gate)
        {
            connection = attached;
            ConnectedGateway = gateway;
        }
        attached.Start();
    }

    private void OnClosed(Connection closed, Exception? reason)
    {
        lock (gate)
        {
            if (connection != closed)
            {
                return;
            }
            connection = null;
            ConnectedGateway = null;
            nextGateway++;
        }
        var failure = new SiloUnavailableException($"Connection to gateway {closed.RemoteName} lost: {reason?.Message ?? "closed"}.");
        foreach (var message in closed.DrainUnsent())
        {
            center.Callbacks.Fail(message.Id, failure);
        }
        center.Callbacks.FailWhere(_ => true, _ => failure);
        if (reason is not null)
        {
            logger.LogWarning("Connection to gateway {Gateway} lost: {Reason}", closed.RemoteName, reason.Message);
        }
    }

    internal void Send(Message message)
    {
        Connection? current;
        lock (gate)
        {
            current = connection;
        }
        if (current is null || !current.Send(message))
        {
            BeginReconnect();
            throw new SiloUnavailableException("The client is not connected to a gateway (reconnecting).");
        }
    }

    /// <summary>Starts one background attempt to connect to the next gateway, unless one is already running or the client was stopped.</summary>
    private void BeginReconnect()
    {
        lock (gate)
        {
            if (reconnecting || stopped || connection is not null)
            {
                return;
            }
            reconnecting = true;
        }
        _ = Detached.Run(async () =>
        {
            try
            {
                await StartAsync(CancellationToken.None);
            }
            catch (SiloUnavailableException exception)
            {
                logger.LogWarning("Reconnecting failed: {Reason}", exception.Message);
            }
            finally
            {
                lock (gate)
                {
                    reconnecting = false;
                }
            }
        });
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        Connection? current;
        lock (gate)
        {
            stopped = true;
            current = connection;
            connection = null;
            ConnectedGateway = null;
        }
        if (current is not null)
        {
            await current.DisposeAsync();
        }
        center.Callbacks.FailWhere(_ => true, _ => new SiloUnavailableException("The client was stopped."));
    }

    public ValueTask DisposeAsync() => new(StopAsync(CancellationToken.None));

    internal static (string Host, int Port) ParseEndpoint(string endpoint)
    {
        var colon = endpoint.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(endpoint[(colon + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            throw new ArgumentException($"Gateway endpoint '{endpoint}' is not of the form host:port.");
        }
        return (endpoint[..colon], port);
    }

    private sealed class ClientMessageCenter(ClusterClient client, WireSerializer serializer, TimeProvider time, MessagingOptions options)
        : RuntimeClient(serializer, time, options, [])
    {
        public override string Address => client.Address;

        public override void Send(Message message) => client.Send(message);
    }
}
