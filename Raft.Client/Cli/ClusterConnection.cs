using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace Raft.Client.Cli;

/// <summary>
/// An Orleans client connected to the silos' gateways for one command: started within the deadline or not at all
/// (<see cref="SiloUnavailableException"/>), stopped when disposed. Orleans reconnects on its own when a gateway comes
/// back; <see cref="IsConnected"/> says whether it has one now.
/// </summary>
internal sealed class ClusterConnection : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly GatewayCountObserver _gateways;

    private ClusterConnection(IHost host, GatewayCountObserver gateways)
    {
        _host = host;
        _gateways = gateways;
        Grains = host.Services.GetRequiredService<IClusterClient>();
    }

    public IClusterClient Grains { get; }

    public bool IsConnected => _gateways.Count > 0;

    /// <summary>The gateways this client was given, for status lines.</summary>
    public required string GatewayList { get; init; }

    public static async Task<ClusterConnection> ConnectAsync(
        IReadOnlyList<string> gateways, string clusterId, string serviceId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var endpoints = await ResolveAsync(gateways, cancellationToken);
        var observer = new GatewayCountObserver();
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        // The CLI's output is its contract (tables, --json); Orleans' log goes nowhere unless asked for.
        builder.Logging.ClearProviders();
        var deadline = DateTimeOffset.UtcNow + timeout;
        builder.UseOrleansClient(client =>
        {
            client.UseStaticClustering(endpoints);
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = clusterId;
                o.ServiceId = serviceId;
            });
            // Keep trying the gateways until the deadline (a gateway that does not answer yet may answer a moment later),
            // except when every one refused the connection: nothing listens there, so the command fails at once (exit 3)
            // instead of spending its whole --timeout.
            client.UseConnectionRetryFilter(async (exception, token) =>
            {
                if (DateTimeOffset.UtcNow >= deadline || IsRefused(exception))
                {
                    return false;
                }
                await Task.Delay(TimeSpan.FromMilliseconds(200), token);
                return true;
            });
            client.Services.AddSingleton<IClusterConnectionStatusObserver>(observer);
        });
        var host = builder.Build();
        using var startDeadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        startDeadline.CancelAfter(timeout + TimeSpan.FromSeconds(1));
        try
        {
            await host.StartAsync(startDeadline.Token);
        }
        catch (Exception exception)
        {
            // A client that failed to start still has its background work (gateway reconnects) running: stop it, or it
            // goes on for the life of the process (the CLI's own tests run many commands in one process).
            await StopAndDisposeAsync(host);
            if (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            var what = DateTimeOffset.UtcNow >= deadline ? $"no gateway answered within {timeout.TotalSeconds:0.#} s" : "the gateways refused the connection";
            throw new SiloUnavailableException($"{what} ({string.Join(", ", gateways)}): {exception.Message}", exception);
        }
        return new ClusterConnection(host, observer) { GatewayList = string.Join(", ", gateways) };
    }

    public ValueTask DisposeAsync() => new(StopAndDisposeAsync(_host));

    private static async Task StopAndDisposeAsync(IHost host)
    {
        try
        {
            using var stopDeadline = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await host.StopAsync(stopDeadline.Token);
        }
        catch (Exception)
        {
            // The command's outcome is already decided; a gateway that vanished cannot spoil it.
        }
        if (host is IAsyncDisposable asyncDisposable)
        {
            await asyncDisposable.DisposeAsync();
        }
        else
        {
            host.Dispose();
        }
    }

    private static async Task<IPEndPoint[]> ResolveAsync(IReadOnlyList<string> gateways, CancellationToken cancellationToken)
    {
        var endpoints = new List<IPEndPoint>();
        foreach (var gateway in gateways)
        {
            var colon = gateway.LastIndexOf(':');
            var host = gateway[..colon].Trim('[', ']');
            var port = int.Parse(gateway[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture);
            if (IPAddress.TryParse(host, out var address))
            {
                endpoints.Add(new IPEndPoint(address, port));
                continue;
            }
            try
            {
                var addresses = await Dns.GetHostAddressesAsync(host, cancellationToken);
                var chosen = addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.FirstOrDefault()
                    ?? throw new SiloUnavailableException($"gateway host '{host}' has no address.");
                endpoints.Add(new IPEndPoint(chosen, port));
            }
            catch (SocketException exception)
            {
                throw new SiloUnavailableException($"gateway host '{host}' cannot be resolved: {exception.Message}", exception);
            }
        }
        return [.. endpoints];
    }

    // Orleans reports a refused connect as a SocketConnectionException naming the socket error, inside its
    // ConnectionFailedExceptions; later attempts on the same gateway only say when it will retry.
    private static bool IsRefused(Exception exception) => exception switch
    {
        SocketException { SocketErrorCode: SocketError.ConnectionRefused } => true,
        Orleans.Networking.Shared.SocketConnectionException refused when refused.Message.Contains(nameof(SocketError.ConnectionRefused), StringComparison.Ordinal) => true,
        AggregateException aggregate => aggregate.InnerExceptions.Count > 0 && aggregate.InnerExceptions.All(IsRefused),
        { InnerException: { } inner } => IsRefused(inner),
        _ => false,
    };

    private sealed class GatewayCountObserver : IClusterConnectionStatusObserver
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public void NotifyClusterConnectionLost() => Volatile.Write(ref _count, 0);

        public void NotifyGatewayCountChanged(int currentNumberOfGateways, int previousNumberOfGateways, bool connectionRecovered) =>
            Volatile.Write(ref _count, currentNumberOfGateways);
    }
}
