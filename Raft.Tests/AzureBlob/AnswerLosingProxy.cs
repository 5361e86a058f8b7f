using System.Net;
using System.Net.Sockets;

namespace Raft.Tests.AzureBlob;

/// <summary>How <see cref="AnswerLosingProxy"/> loses an answer.</summary>
public enum AnswerLoss
{
    /// <summary>The answer is swallowed and the connection stays open: the client's attempt times out.</summary>
    Silence,

    /// <summary>The connection is reset once the answer arrived: the client's attempt fails at once.</summary>
    ConnectionReset,
}

/// <summary>
/// A TCP proxy in front of Azurite that can lose one answer: after <see cref="LoseNextAnswer"/>, the next request is
/// forwarded (so Azurite applies it) but its response never reaches the client. The hook
/// <see cref="AfterLostAnswerArrived"/> runs once Azurite has answered that request, before anything else goes
/// through, e.g. to let another writer in.
/// </summary>
internal sealed class AnswerLosingProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _targetPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _connections = [];
    private readonly Task _accepting;
    private int _loseNext;
    private AnswerLoss _loss;

    public AnswerLosingProxy(int targetPort)
    {
        _targetPort = targetPort;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptAsync();
    }

    public int Port { get; }

    /// <summary>Runs once the lost answer arrived from Azurite (the request was applied).</summary>
    public Func<Task>? AfterLostAnswerArrived { get; set; }

    /// <summary>Completes when an answer has been lost.</summary>
    public TaskCompletionSource AnswerLost { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void LoseNextAnswer(AnswerLoss how = AnswerLoss.Silence)
    {
        _loss = how;
        Interlocked.Exchange(ref _loseNext, 1);
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            lock (_connections)
            {
                _connections.Add(RelayAsync(client));
            }
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        using (client)
        using (var server = new TcpClient())
        {
            try
            {
                await server.ConnectAsync(IPAddress.Loopback, _targetPort, _stop.Token);
            }
            catch (Exception)
            {
                return;
            }
            var connection = new Connection(client);
            var up = PumpAsync(client.GetStream(), server.GetStream(), connection, requests: true);
            var down = PumpAsync(server.GetStream(), client.GetStream(), connection, requests: false);
            await Task.WhenAny(up, down);
            client.Close();
            server.Close();
            await Task.WhenAll(up, down);
        }
    }

    private async Task PumpAsync(NetworkStream from, NetworkStream to, Connection connection, bool requests)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReadAsync(buffer, _stop.Token);
                if (read == 0)
                {
                    return;
                }
                if (requests)
                {
                    // HTTP/1.1 without pipelining: the connection's previous answer is complete before a new request starts.
                    if (!connection.Losing && Interlocked.Exchange(ref _loseNext, 0) == 1)
                    {
                        connection.Losing = true;
                    }
                    await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
                }
                else if (connection.Losing)
                {
                    // Azurite answered: the request was applied. Swallow the answer and everything after it on this connection.
                    if (!connection.Reported)
                    {
                        connection.Reported = true;
                        if (AfterLostAnswerArrived is { } hook)
                        {
                            await hook();
                        }
                        AnswerLost.TrySetResult();
                        if (_loss == AnswerLoss.ConnectionReset)
                        {
                            connection.Reset();
                            return;
                        }
                    }
                }
                else
                {
                    await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
                }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or SocketException)
        {
            // A closed socket ends the relay; so does disposal.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        Task[] connections;
        lock (_connections)
        {
            connections = [.. _connections];
        }
        await Task.WhenAll(connections);
        _stop.Dispose();
    }

    private sealed class Connection(TcpClient client)
    {
        public volatile bool Losing;
        public volatile bool Reported;

        /// <summary>Closes the client's side with a TCP reset (linger 0) instead of an orderly close.</summary>
        public void Reset()
        {
            client.Client.LingerState = new LingerOption(true, 0);
            client.Close();
        }
    }
}
