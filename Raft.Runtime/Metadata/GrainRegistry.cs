using System.Reflection;

namespace Raft.Runtime.Metadata;

/// <summary>The grain classes a silo hosts and the interfaces they implement.</summary>
public sealed class GrainRegistry
{
    private readonly Dictionary<string, GrainClassInfo> classes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, GrainInterfaceInfo> interfaces = new(StringComparer.Ordinal);

    public IEnumerable<Type> GrainClasses => classes.Values.Select(c => c.GrainClass);

    public void AddGrain(Type grainClass)
    {
        var info = new GrainClassInfo(grainClass);
        if (classes.TryGetValue(info.GrainType, out var existing) && existing.GrainClass != grainClass)
        {
            throw new InvalidOperationException($"Grain classes {existing.GrainClass.FullName} and {grainClass.FullName} have the same grain type '{info.GrainType}'.");
        }
        classes[info.GrainType] = info;
        foreach (var grainInterface in info.Interfaces)
        {
            interfaces[grainInterface.WireName] = grainInterface;
        }
    }

    /// <summary>Adds every concrete Grain subclass of the assembly.</summary>
    public void AddGrainsFrom(Assembly assembly)
    {
        foreach (var type in assembly.GetTypes())
        {
            if (typeof(Grain).IsAssignableFrom(type) && !type.IsAbstract && type.IsClass)
            {
                AddGrain(type);
            }
        }
    }

    internal bool TryGetClass(string grainType, out GrainClassInfo info) => classes.TryGetValue(grainType, out info!);

    internal bool TryGetMethod(string interfaceName, uint methodId, out GrainMethodInfo method)
    {
        if (interfaces.TryGetValue(interfaceName, out var grainInterface) && grainInterface.TryGetMethod(methodId, out method))
        {
            return true;
        }
        method = null!;
        return false;
    }
}
