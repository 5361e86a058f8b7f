using System.Reflection;
using Raft.Runtime.Concurrency;

namespace Raft.Runtime.Metadata;

internal enum ReturnKind
{
    Void,
    Task,
    TaskOfT,
    ValueTask,
    ValueTaskOfT,
}

/// <summary>What the runtime knows about one grain interface method, computed once.</summary>
internal sealed class GrainMethodInfo
{
    public GrainMethodInfo(GrainInterfaceInfo owner, MethodInfo method, uint methodId)
    {
        Owner = owner;
        Method = method;
        MethodId = methodId;
        var parameters = method.GetParameters();
        ParameterTypes = parameters.Select(p => p.ParameterType).ToArray();
        CancellationTokenIndex = Array.FindIndex(ParameterTypes, t => t == typeof(CancellationToken));
        SerializedParameterIndexes = Enumerable.Range(0, parameters.Length).Where(i => i != CancellationTokenIndex).ToArray();
        IsOneWay = method.IsDefined(typeof(OneWayAttribute));
        IsAlwaysInterleave = method.IsDefined(typeof(AlwaysInterleaveAttribute));
        IsReadOnly = method.IsDefined(typeof(ReadOnlyAttribute));
        ResponseTimeout = method.GetCustomAttribute<ResponseTimeoutAttribute>()?.Timeout;
        var returnType = method.ReturnType;
        if (returnType == typeof(Task))
        {
            ReturnKind = ReturnKind.Task;
            ResultType = typeof(void);
        }
        else if (returnType == typeof(ValueTask))
        {
            ReturnKind = ReturnKind.ValueTask;
            ResultType = typeof(void);
        }
        else if (returnType.IsGenericType && returnType.GetGenericTypeDefinition() == typeof(Task<>))
        {
            ReturnKind = ReturnKind.TaskOfT;
            ResultType = returnType.GetGenericArguments()[0];
        }
        else if (returnType.IsGenericType && returnType.GetGenericTypeDefinition() == typeof(ValueTask<>))
        {
            ReturnKind = ReturnKind.ValueTaskOfT;
            ResultType = returnType.GetGenericArguments()[0];
        }
        else
        {
            throw new InvalidOperationException(
                $"Grain method {Name} returns {returnType.Name}; grain methods must return Task, Task<T>, ValueTask or ValueTask<T>.");
        }
        if (IsOneWay && ReturnKind is not (ReturnKind.Task or ReturnKind.ValueTask))
        {
            throw new InvalidOperationException($"Grain method {Name} is [OneWay] and so must return Task or ValueTask.");
        }
        if (method.IsGenericMethodDefinition)
        {
            throw new InvalidOperationException($"Grain method {Name} is generic; generic grain methods are not supported.");
        }
        if (parameters.Any(p => p.ParameterType.IsByRef))
        {
            throw new InvalidOperationException($"Grain method {Name} has a ref or out parameter; grain methods take values only.");
        }
    }

    public GrainInterfaceInfo Owner { get; }

    public MethodInfo Method { get; }

    public uint MethodId { get; }

    public Type[] ParameterTypes { get; }

    /// <summary>Index of the CancellationToken parameter, or -1. The token is not serialized: the runtime supplies one.</summary>
    public int CancellationTokenIndex { get; }

    public int[] SerializedParameterIndexes { get; }

    public ReturnKind ReturnKind { get; }

    /// <summary>The T of Task&lt;T&gt;, or typeof(void).</summary>
    public Type ResultType { get; }

    public bool IsOneWay { get; }

    public bool IsAlwaysInterleave { get; }

    public bool IsReadOnly { get; }

    public TimeSpan? ResponseTimeout { get; }

    public string Name => $"{Method.DeclaringType?.Name}.{Method.Name}";

    /// <summary>A signature that names the method stably across processes: name and parameter type names.</summary>
    public static string Signature(MethodInfo method)
    {
        var alias = method.GetCustomAttribute<AliasAttribute>()?.Alias;
        if (alias is not null)
        {
            return alias;
        }
        return $"{method.Name}({string.Join(",", method.GetParameters().Select(p => p.ParameterType.FullName ?? p.ParameterType.Name))})";
    }
}
