using System.Buffers;
using Raft.Runtime.Metadata;
using Raft.Runtime.References;
using Raft.Runtime.Scheduling;
using Raft.Runtime.Serialization;

namespace Raft.Runtime.Messaging;

/// <summary>
/// The caller's half of grain calls, shared by silos and cluster clients: serialize the arguments, run the
/// outgoing filters, send, wait for the response (or the timeout, or cancellation) and unpack the result.
/// </summary>
internal abstract class RuntimeClient : IGrainCallInvoker
{
    protected RuntimeClient(WireSerializer serializer, TimeProvider time, MessagingOptions options, IEnumerable<IOutgoingGrainCallFilter> outgoingFilters)
    {
        Serializer = serializer;
        Time = time;
        Options = options;
        OutgoingFilters = outgoingFilters.ToArray();
        Callbacks = new CallbackTable(time);
    }

    public WireSerializer Serializer { get; }

    public TimeProvider Time { get; }

    public MessagingOptions Options { get; }

    public CallbackTable Callbacks { get; }

    protected IReadOnlyList<IOutgoingGrainCallFilter> OutgoingFilters { get; }

    /// <summary>The address responses to this client's calls are sent to.</summary>
    public abstract string Address { get; }

    /// <summary>Sends a message on its way: to a local activation, another silo or a gateway.</summary>
    public abstract void Send(Message message);

    public async Task<object?> InvokeAsync(GrainId target, GrainMethodInfo method, object?[] arguments)
    {
        var source = (ActivationTaskScheduler.Running?.Owner as Activation.ActivationData)?.GrainId;
        var body = SerializeArguments(method, arguments);
        var context = new OutgoingCallContext(this, OutgoingFilters, source, target, method, arguments, body);
        var pipeline = context.Invoke();
        if (!pipeline.IsCompleted && OutgoingFilters.Count > 0 && !method.IsOneWay)
        {
            // The response timeout covers the filters too: a filter that delays (a simulated network)
            // must not hold a caller past its deadline.
            var timeout = EffectiveTimeout(method);
            try
            {
                await pipeline.WaitAsync(timeout, Time, CancellationOf(method, arguments));
            }
            catch (TimeoutException) when (!pipeline.IsCompleted)
            {
                throw new TimeoutException($"Response did not arrive on time in {timeout} for {method.Name} on {target}.");
            }
        }
        else
        {
            await pipeline;
        }
        return context.Result;
    }

    internal async Task SendAndReceiveAsync(OutgoingCallContext context)
    {
        var method = context.Method;
        var timeout = EffectiveTimeout(method);
        var request = new Message
        {
            Id = Callbacks.NextMessageId(),
            Kind = method.IsOneWay ? MessageKind.OneWay : MessageKind.Request,
            Target = context.TargetId,
            Source = context.SourceId,
            ReplyTo = Address,
            InterfaceName = method.Owner.WireName,
            MethodId = method.MethodId,
            Timeout = timeout,
            Body = context.Body,
        };
        if (method.IsOneWay)
        {
            Send(request);
            return;
        }
        var cancellation = CancellationOf(method, context.Arguments);
        cancellation.ThrowIfCancellationRequested();
        var responseTask = Callbacks.Register(request, cancellation, SendCancel);
        try
        {
            Send(request);
        }
        catch (Exception exception)
        {
            Callbacks.Fail(request.Id, exception);
        }
        var response = await responseTask;
        context.ResponseSize = response.Body.Length;
        context.Result = ReadResponse(method, response);
    }

    private TimeSpan EffectiveTimeout(GrainMethodInfo method) => GrainCallOptions.Timeout ?? method.ResponseTimeout ?? Options.ResponseTimeout;

    private static CancellationToken CancellationOf(GrainMethodInfo method, object?[] arguments) =>
        method.CancellationTokenIndex >= 0 && arguments[method.CancellationTokenIndex] is CancellationToken token ? token : CancellationToken.None;

    private void SendCancel(Message request)
    {
        try
        {
            Send(new Message
            {
                Id = request.Id,
                Kind = MessageKind.Cancel,
                Target = request.Target,
                Source = request.Source,
                ReplyTo = request.ReplyTo,
                InterfaceName = request.InterfaceName,
                MethodId = request.MethodId,
                Timeout = request.Timeout,
            });
        }
        catch (GrainCallException)
        {
            // The callee is unreachable; there is nobody to tell.
        }
    }

    private ReadOnlyMemory<byte> SerializeArguments(GrainMethodInfo method, object?[] arguments)
    {
        // A per-thread scratch buffer, then one exact-size copy: the body outlives this call (it is queued for the socket).
        var buffer = PooledBufferWriter.Rent();
        try
        {
            var writer = new WireWriter(buffer);
            foreach (var index in method.SerializedParameterIndexes)
            {
                Serializer.Serialize(ref writer, arguments[index], method.ParameterTypes[index]);
            }
            writer.Flush();
            return buffer.WrittenSpan.ToArray();
        }
        finally
        {
            PooledBufferWriter.Return(buffer);
        }
    }

    private object? ReadResponse(GrainMethodInfo method, Message response)
    {
        switch (response.Status)
        {
            case ResponseStatus.Ok:
                if (method.ResultType == typeof(void))
                {
                    return null;
                }
                var reader = new WireReader(response.Body.Span);
                return Serializer.Deserialize(ref reader, method.ResultType);
            case ResponseStatus.Error:
                var errorReader = new WireReader(response.Body.Span);
                var exception = (Exception?)Serializer.Deserialize(ref errorReader, typeof(Exception));
                throw exception ?? new GrainCallException($"{method.Name} on {response.Target} failed without an exception.");
            default:
                throw Rejection.Read(response);
        }
    }
}
