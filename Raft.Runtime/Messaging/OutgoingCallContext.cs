using System.Reflection;
using Raft.Runtime.Metadata;

namespace Raft.Runtime.Messaging;

/// <summary>One outgoing call making its way through the outgoing filters to the transport.</summary>
internal sealed class OutgoingCallContext : IOutgoingGrainCallContext
{
    private readonly RuntimeClient client;
    private readonly IReadOnlyList<IOutgoingGrainCallFilter> filters;
    private int nextFilter;

    public OutgoingCallContext(RuntimeClient client, IReadOnlyList<IOutgoingGrainCallFilter> filters, GrainId? source, GrainId target, GrainMethodInfo method, object?[] arguments, ReadOnlyMemory<byte> body)
    {
        this.client = client;
        this.filters = filters;
        SourceId = source;
        TargetId = target;
        Method = method;
        Arguments = arguments;
        Body = body;
    }

    public GrainId? SourceId { get; }

    public GrainId TargetId { get; }

    public GrainMethodInfo Method { get; }

    public Type InterfaceType => Method.Owner.InterfaceType;

    public MethodInfo InterfaceMethod => Method.Method;

    public string MethodName => Method.Name;

    public object?[] Arguments { get; }

    public object? Result { get; set; }

    public ReadOnlyMemory<byte> Body { get; }

    public int RequestSize => Body.Length;

    public int ResponseSize { get; set; }

    public Task Invoke()
    {
        if (nextFilter < filters.Count)
        {
            return filters[nextFilter++].Invoke(this);
        }
        return client.SendAndReceiveAsync(this);
    }
}
