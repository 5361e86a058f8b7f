using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Raft.Runtime.Messaging;

namespace Raft.Runtime.Transport;

/// <summary>
/// One TCP connection carrying framed messages both ways: a read loop decoding frames and a write loop
/// batching whatever is queued into one socket write. A frame that does not decode closes this
/// connection and nothing else.
/// </summary>
internal sealed class Connection : IAsyncDisposable
{
    private readonly Func<CancellationToken, Task<Socket>>? connect;
    private Socket? socket;
    private NetworkStream? stream;
    private readonly Channel<Message> outbox = Channel.CreateUnbounded<Message>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource closing = new();
    private readonly ILogger logger;
    private readonly int maxFrameSize;
    private readonly string? helloName;
    private readonly bool helloIsClient;
    private int closed;

    /// <summary>An accepted, inbound connection; its first frame must be the peer's hello.</summary>
    public Connection(Socket socket, int maxFrameSize, ILogger logger)
    {
        this.maxFrameSize = maxFrameSize;
        this.logger = logger;
        Attach(socket);
    }

    /// <summary>
    /// An outbound connection: messages may be queued at once; the socket is connected by the write loop,
    /// which then announces <paramref name="helloName"/>.
    /// </summary>
    public Connection(string remoteName, Func<CancellationToken, Task<Socket>> connect, int maxFrameSize, ILogger logger, string helloName, bool helloIsClient)
    {
        this.connect = connect;
        this.maxFrameSize = maxFrameSize;
        this.logger = logger;
        this.helloName = helloName;
        this.helloIsClient = helloIsClient;
        RemoteName = remoteName;
        RemoteEndPoint = remoteName;
    }

    public string RemoteEndPoint { get; private set; } = "?";

    /// <summary>The peer's name from its hello (inbound), or the destination name (outbound).</summary>
    public string? RemoteName { get; set; }

    public bool IsClientPeer { get; private set; }

    /// <summary>Inbound only: called with the peer's hello; return false to refuse the peer.</summary>
    public Func<Connection, bool>? OnHello { get; set; }

    public Action<Connection, Message>? OnMessage { get; set; }

    /// <summary>Called once when the connection closes, with the reason (null for a local close).</summary>
    public Action<Connection, Exception?>? OnClosed { get; set; }

    public void Start()
    {
        if (stream is not null)
        {
            _ = Detached.Run(ReadLoopAsync);
        }
        _ = Detached.Run(WriteLoopAsync);
    }

    private void Attach(Socket connected)
    {
        socket = connected;
        connected.NoDelay = true;
        stream = new NetworkStream(connected, ownsSocket: true);
        RemoteEndPoint = connected.RemoteEndPoint?.ToString() ?? RemoteEndPoint;
    }

    /// <summary>Queues a message; false when the connection is already closed.</summary>
    public bool Send(Message message) => outbox.Writer.TryWrite(message);

    private async Task ReadLoopAsync()
    {
        var reader = PipeReader.Create(stream!);
        var strings = new FrameStringCache();
        var expectHello = helloName is null;
        Exception? failure = null;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(closing.Token);
                var buffer = result.Buffer;
                while (TryReadFrame(ref buffer, out var frame))
                {
                    if (expectHello)
                    {
                        var (name, isClient) = FrameCodec.ReadHello(frame);
                        RemoteName = name;
                        IsClientPeer = isClient;
                        expectHello = false;
                        if (OnHello is { } onHello && !onHello(this))
                        {
                            throw new MalformedFrameException($"Peer '{name}' was refused.");
                        }
                        continue;
                    }
                    OnMessage?.Invoke(this, FrameCodec.ReadMessage(frame, strings));
                }
                reader.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (MalformedFrameException exception)
        {
            logger.LogWarning("Closing connection from {Remote} ({Peer}): malformed frame: {Reason}", RemoteEndPoint, RemoteName ?? "before hello", exception.Message);
            failure = exception;
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception exception) when (exception is IOException or SocketException or ObjectDisposedException)
        {
            failure = exception;
        }
        await reader.CompleteAsync();
        await CloseAsync(failure ?? new IOException($"Connection to {RemoteName ?? RemoteEndPoint} closed by the peer."));
    }

    private bool TryReadFrame(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> frame)
    {
        frame = default;
        if (buffer.Length < FrameCodec.LengthPrefixSize)
        {
            return false;
        }
        Span<byte> prefix = stackalloc byte[FrameCodec.LengthPrefixSize];
        buffer.Slice(0, FrameCodec.LengthPrefixSize).CopyTo(prefix);
        var length = BinaryPrimitives.ReadInt32LittleEndian(prefix);
        if (length <= 0 || length > maxFrameSize)
        {
            throw new MalformedFrameException($"Frame length {length} is outside 1..{maxFrameSize}.");
        }
        if (buffer.Length < FrameCodec.LengthPrefixSize + length)
        {
            return false;
        }
        frame = buffer.Slice(FrameCodec.LengthPrefixSize, length);
        buffer = buffer.Slice(FrameCodec.LengthPrefixSize + length);
        return true;
    }

    private async Task WriteLoopAsync()
    {
        var batch = new ArrayBufferWriter<byte>(4096);
        Exception? failure = null;
        try
        {
            if (connect is not null)
            {
                Attach(await connect(closing.Token));
                _ = Detached.Run(ReadLoopAsync);
            }
            if (helloName is not null)
            {
                FrameCodec.WriteHello(batch, helloName, helloIsClient);
                await stream!.WriteAsync(batch.WrittenMemory, closing.Token);
                batch.ResetWrittenCount();
            }
            while (await outbox.Reader.WaitToReadAsync(closing.Token))
            {
                while (batch.WrittenCount < 1 << 20 && outbox.Reader.TryRead(out var message))
                {
                    FrameCodec.WriteMessage(batch, message);
                }
                await stream!.WriteAsync(batch.WrittenMemory, closing.Token);
                batch.ResetWrittenCount();
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception exception) when (exception is IOException or SocketException or ObjectDisposedException)
        {
            failure = exception;
        }
        await CloseAsync(failure);
    }

    private async Task CloseAsync(Exception? reason)
    {
        if (Interlocked.Exchange(ref closed, 1) != 0)
        {
            return;
        }
        outbox.Writer.TryComplete();
        closing.Cancel();
        try
        {
            socket?.Shutdown(SocketShutdown.Both);
        }
        catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
        {
        }
        if (stream is not null)
        {
            await stream.DisposeAsync();
        }
        else
        {
            socket?.Dispose();
        }
        OnClosed?.Invoke(this, reason);
    }

    /// <summary>Messages queued but never written, so their callers can be told.</summary>
    public IEnumerable<Message> DrainUnsent()
    {
        while (outbox.Reader.TryRead(out var message))
        {
            yield return message;
        }
    }

    public ValueTask DisposeAsync() => new(CloseAsync(null));
}
