using System.Collections.Concurrent;
using System.Reflection;
using Raft.Runtime.Storage;

namespace Raft.Runtime.Metadata;

/// <summary>The methods of one grain interface (including inherited grain interfaces), with stable method ids.</summary>
internal sealed class GrainInterfaceInfo
{
    private static readonly ConcurrentDictionary<Type, GrainInterfaceInfo> Cache = new();
    private readonly Dictionary<uint, GrainMethodInfo> byId = new();
    private readonly Dictionary<MethodInfo, GrainMethodInfo> byMethod = new();

    private GrainInterfaceInfo(Type interfaceType)
    {
        if (!interfaceType.IsInterface || !typeof(IGrain).IsAssignableFrom(interfaceType))
        {
            throw new ArgumentException($"{interfaceType.FullName} is not a grain interface (an interface deriving from IGrain).");
        }
        InterfaceType = interfaceType;
        WireName = GrainTypeNames.ForInterface(interfaceType);
        var interfaces = new[] { interfaceType }.Concat(interfaceType.GetInterfaces()).Where(i => i != typeof(IAddressable));
        foreach (var declaring in interfaces)
        {
            foreach (var method in declaring.GetMethods(BindingFlags.Public | BindingFlags.Instance))
            {
                var signature = GrainMethodInfo.Signature(method);
                var id = Crc32C.Compute(System.Text.Encoding.UTF8.GetBytes(signature));
                var info = new GrainMethodInfo(this, method, id);
                if (byId.TryGetValue(id, out var clash) && clash.Method != method)
                {
                    throw new InvalidOperationException($"Grain methods {clash.Name} and {info.Name} have the same method id; give one an [Alias].");
                }
                byId[id] = info;
                byMethod[method] = info;
            }
        }
    }

    public Type InterfaceType { get; }

    public string WireName { get; }

    public IEnumerable<GrainMethodInfo> Methods => byMethod.Values;

    public static GrainInterfaceInfo For(Type interfaceType) => Cache.GetOrAdd(interfaceType, static t => new GrainInterfaceInfo(t));

    public GrainMethodInfo GetMethod(MethodInfo method) =>
        byMethod.TryGetValue(method, out var info)
            ? info
            : throw new InvalidOperationException($"{method.Name} is not a method of grain interface {InterfaceType.Name}.");

    public bool TryGetMethod(uint methodId, out GrainMethodInfo method) => byId.TryGetValue(methodId, out method!);
}
