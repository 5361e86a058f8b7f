using Raft.Runtime.Hosting;
using System.Buffers;
using Raft.Runtime.Messaging;
using Raft.Runtime.Metadata;
using Raft.Runtime.Serialization;

namespace Raft.Runtime.Activation;

/// <summary>A request message waiting for, or holding, a turn on its target activation.</summary>
internal sealed class IncomingRequest : WorkItem
{
    private readonly Message message;
    private readonly GrainMethodInfo method;
    private CancellationTokenSource? cancellation;
    private ReadOnlyMemory<byte> responseBody;
    private ResponseStatus responseStatus;

    public IncomingRequest(Message message, GrainMethodInfo method)
    {
        this.message = message;
        this.method = method;
    }

    public long MessageId => message.Id;

    public string ReplyTo => message.ReplyTo;

    public override bool AlwaysInterleave => method.IsAlwaysInterleave;

    public override bool IsReadOnly => method.IsReadOnly;

    public override bool KeepsAlive => true;

    public override string ToString() => message.ToString();

    public override bool IsExpired(long nowTimestamp) => message.Kind == MessageKind.Request && nowTimestamp > message.ExpiresAtTimestamp;

    public void Cancel()
    {
        try
        {
            cancellation?.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Completed meanwhile.
        }
    }

    public override async Task RunAsync(ActivationData activation)
    {
        var runtime = activation.Runtime;
        try
        {
            var arguments = ReadArguments(runtime.Serializer);
            if (method.CancellationTokenIndex >= 0)
            {
                cancellation = new CancellationTokenSource(message.Timeout, runtime.Time);
                arguments[method.CancellationTokenIndex] = cancellation.Token;
                activation.TrackCancellable(this);
            }
            var invoker = activation.ClassInfo.GetInvoker(method);
            var context = new IncomingCallContext(runtime.IncomingFilters, activation.Grain!, message.Source, message.Target, method, arguments, invoker);
            await context.Invoke();
            if (message.Kind == MessageKind.Request)
            {
                responseBody = Write(runtime.Serializer, context.Result, method.ResultType);
                responseStatus = ResponseStatus.Ok;
            }
        }
        catch (Exception exception)
        {
            responseStatus = ResponseStatus.Error;
            responseBody = WriteException(runtime.Serializer, exception);
            activation.OnRequestFailed(method, exception);
        }
        finally
        {
            if (cancellation is not null)
            {
                activation.UntrackCancellable(this);
                cancellation.Dispose();
            }
        }
    }

    public override void Completed(ActivationData activation, Task task)
    {
        if (message.Kind != MessageKind.Request)
        {
            return;
        }
        activation.Runtime.MessageCenter.SendResponse(message, responseStatus, responseBody);
    }

    public override void Reject(ActivationData? activation, Exception reason)
    {
        if (message.Kind == MessageKind.Request && activation is not null)
        {
            activation.Runtime.MessageCenter.SendResponse(message, ResponseStatus.Rejected, Rejection.Write(reason));
        }
    }

    public override void Redirect(ActivationData activation) => activation.Runtime.Catalog.Deliver(message);

    private object?[] ReadArguments(WireSerializer serializer)
    {
        var arguments = new object?[method.ParameterTypes.Length];
        var reader = new WireReader(message.Body.Span);
        foreach (var index in method.SerializedParameterIndexes)
        {
            arguments[index] = serializer.Deserialize(ref reader, method.ParameterTypes[index]);
        }
        return arguments;
    }

    private static ReadOnlyMemory<byte> Write(WireSerializer serializer, object? value, Type type)
    {
        if (type == typeof(void))
        {
            return ReadOnlyMemory<byte>.Empty;
        }
        var buffer = PooledBufferWriter.Rent();
        try
        {
            var writer = new WireWriter(buffer);
            serializer.Serialize(ref writer, value, type);
            writer.Flush();
            return buffer.WrittenSpan.ToArray();
        }
        finally
        {
            PooledBufferWriter.Return(buffer);
        }
    }

    private static ReadOnlyMemory<byte> WriteException(WireSerializer serializer, Exception exception)
    {
        try
        {
            return Write(serializer, exception, typeof(Exception));
        }
        catch (WireSerializationException)
        {
            return Write(serializer, new InvalidOperationException(exception.Message), typeof(Exception));
        }
    }
}
