using System.Collections.Concurrent;
using System.Linq.Expressions;
using System.Reflection;
using Raft.Runtime.Concurrency;

namespace Raft.Runtime.Metadata;

/// <summary>What the runtime knows about one grain class: its type name, reentrancy and compiled method invokers.</summary>
internal sealed class GrainClassInfo
{
    private readonly ConcurrentDictionary<MethodInfo, Func<object, object?[], Task<object?>>> invokers = new();

    public GrainClassInfo(Type grainClass)
    {
        if (!typeof(Grain).IsAssignableFrom(grainClass) || grainClass.IsAbstract)
        {
            throw new ArgumentException($"{grainClass.FullName} is not a concrete class deriving from Grain.");
        }
        GrainClass = grainClass;
        GrainType = GrainTypeNames.ForClass(grainClass);
        IsReentrant = grainClass.IsDefined(typeof(ReentrantAttribute), inherit: true);
        Interfaces = grainClass.GetInterfaces()
            .Where(i => typeof(IGrain).IsAssignableFrom(i) && i != typeof(IGrain) && i != typeof(IGrainWithStringKey) && i != typeof(IGrainWithIntegerKey))
            .Select(GrainInterfaceInfo.For)
            .ToArray();
    }

    public Type GrainClass { get; }

    public string GrainType { get; }

    public bool IsReentrant { get; }

    public IReadOnlyList<GrainInterfaceInfo> Interfaces { get; }

    /// <summary>A delegate that calls the class's implementation of an interface method and returns its boxed result.</summary>
    public Func<object, object?[], Task<object?>> GetInvoker(GrainMethodInfo method) => invokers.GetOrAdd(method.Method, _ => Compile(method));

    private Func<object, object?[], Task<object?>> Compile(GrainMethodInfo method)
    {
        var map = GrainClass.GetInterfaceMap(method.Method.DeclaringType!);
        var index = Array.IndexOf(map.InterfaceMethods, method.Method);
        var target = map.TargetMethods[index];
        var grain = Expression.Parameter(typeof(object), "grain");
        var args = Expression.Parameter(typeof(object?[]), "args");
        var call = Expression.Call(
            Expression.Convert(grain, GrainClass),
            target,
            method.ParameterTypes.Select((t, i) => (Expression)Expression.Convert(Expression.ArrayIndex(args, Expression.Constant(i)), t)));
        Expression body = method.ReturnKind switch
        {
            ReturnKind.Task => Expression.Call(typeof(GrainClassInfo).GetMethod(nameof(FromTask), BindingFlags.NonPublic | BindingFlags.Static)!, call),
            ReturnKind.ValueTask => Expression.Call(typeof(GrainClassInfo).GetMethod(nameof(FromValueTask), BindingFlags.NonPublic | BindingFlags.Static)!, call),
            ReturnKind.TaskOfT => Expression.Call(typeof(GrainClassInfo).GetMethod(nameof(FromTaskOfT), BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(method.ResultType), call),
            ReturnKind.ValueTaskOfT => Expression.Call(typeof(GrainClassInfo).GetMethod(nameof(FromValueTaskOfT), BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(method.ResultType), call),
            _ => throw new InvalidOperationException($"Unsupported return kind of {method.Name}."),
        };
        return Expression.Lambda<Func<object, object?[], Task<object?>>>(body, grain, args).Compile();
    }

    private static async Task<object?> FromTask(Task task)
    {
        await task;
        return null;
    }

    private static async Task<object?> FromValueTask(ValueTask task)
    {
        await task;
        return null;
    }

    private static async Task<object?> FromTaskOfT<T>(Task<T> task) => await task;

    private static async Task<object?> FromValueTaskOfT<T>(ValueTask<T> task) => await task;
}
