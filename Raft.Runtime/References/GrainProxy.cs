using System.Reflection;
using Raft.Runtime.Metadata;

namespace Raft.Runtime.References;

/// <summary>
/// A grain reference: a proxy implementing a grain interface, holding the grain's identity and not its
/// location. Each interface call becomes a message through the runtime client that created it.
/// </summary>
public class GrainProxy : DispatchProxy, IAddressable
{
    private GrainInterfaceInfo? interfaceInfo;
    private IGrainCallInvoker? invoker;

    public GrainId GrainId { get; private set; }

    public Type InterfaceType => interfaceInfo!.InterfaceType;

    internal GrainReferenceFactory Factory { get; private set; } = null!;

    internal void Initialize(GrainId grainId, GrainInterfaceInfo info, IGrainCallInvoker callInvoker, GrainReferenceFactory factory)
    {
        GrainId = grainId;
        interfaceInfo = info;
        invoker = callInvoker;
        Factory = factory;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        if (targetMethod.DeclaringType == typeof(object) || targetMethod.DeclaringType == typeof(IAddressable))
        {
            return targetMethod.Invoke(this, args);
        }
        var method = interfaceInfo!.GetMethod(targetMethod);
        return method.ReturnKind switch
        {
            ReturnKind.Task => invoker!.InvokeAsync(GrainId, method, args ?? []),
            ReturnKind.ValueTask => new ValueTask(invoker!.InvokeAsync(GrainId, method, args ?? [])),
            _ => ResultAdapter.For(method.ResultType).Adapt(invoker!.InvokeAsync(GrainId, method, args ?? []), method.ReturnKind),
        };
    }

    public override string ToString() => $"GrainReference({GrainId}, {interfaceInfo?.InterfaceType.Name})";

    public override bool Equals(object? obj) => obj is GrainProxy other && other.GrainId == GrainId;

    public override int GetHashCode() => GrainId.GetHashCode();
}

/// <summary>Sends a call and returns its boxed result; implemented by the silo and by the cluster client.</summary>
internal interface IGrainCallInvoker
{
    Task<object?> InvokeAsync(GrainId target, GrainMethodInfo method, object?[] arguments);
}

/// <summary>Turns Task&lt;object?&gt; into the Task&lt;T&gt; or ValueTask&lt;T&gt; the interface method declares.</summary>
internal abstract class ResultAdapter
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Type, ResultAdapter> Cache = new();

    public static ResultAdapter For(Type resultType) =>
        Cache.GetOrAdd(resultType, static t => (ResultAdapter)Activator.CreateInstance(typeof(ResultAdapter<>).MakeGenericType(t))!);

    public abstract object Adapt(Task<object?> task, ReturnKind kind);
}

internal sealed class ResultAdapter<T> : ResultAdapter
{
    public override object Adapt(Task<object?> task, ReturnKind kind)
    {
        var typed = Cast(task);
        return kind == ReturnKind.ValueTaskOfT ? new ValueTask<T>(typed) : typed;
    }

    private static async Task<T> Cast(Task<object?> task) => (T)(await task)!;
}
