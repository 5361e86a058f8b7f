using Raft.Runtime.Hosting;
using System.Reflection;
using Raft.Runtime.Metadata;

namespace Raft.Runtime.Activation;

/// <summary>One incoming call making its way through the incoming filters to the grain method.</summary>
internal sealed class IncomingCallContext : IIncomingGrainCallContext
{
    private readonly IReadOnlyList<IIncomingGrainCallFilter> filters;
    private readonly Func<object, object?[], Task<object?>> invoker;
    private int nextFilter;

    public IncomingCallContext(IReadOnlyList<IIncomingGrainCallFilter> filters, object grain, GrainId? source, GrainId target, GrainMethodInfo method, object?[] arguments, Func<object, object?[], Task<object?>> invoker)
    {
        this.filters = filters;
        this.invoker = invoker;
        Grain = grain;
        SourceId = source;
        TargetId = target;
        Method = method;
        Arguments = arguments;
    }

    public object Grain { get; }

    public GrainId? SourceId { get; }

    public GrainId TargetId { get; }

    public GrainMethodInfo Method { get; }

    public Type InterfaceType => Method.Owner.InterfaceType;

    public MethodInfo InterfaceMethod => Method.Method;

    public string MethodName => Method.Name;

    public object?[] Arguments { get; }

    public object? Result { get; set; }

    public async Task Invoke()
    {
        if (nextFilter < filters.Count)
        {
            await filters[nextFilter++].Invoke(this);
            return;
        }
        Result = await invoker(Grain, Arguments);
    }
}
