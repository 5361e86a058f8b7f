using System.Collections.Concurrent;
using System.Reflection;

namespace Raft.Runtime.Metadata;

/// <summary>Maps a grain interface to the grain type name used in grain ids.</summary>
internal static class GrainTypeResolver
{
    private static readonly ConcurrentDictionary<Type, string> Cache = new();

    public static string ForInterface(Type grainInterface) => Cache.GetOrAdd(grainInterface, static type =>
    {
        var attribute = type.GetCustomAttribute<DefaultGrainTypeAttribute>(inherit: false);
        if (attribute is not null)
        {
            return attribute.GrainType;
        }
        var name = type.Name;
        if (name.Length > 1 && name[0] == 'I' && char.IsUpper(name[1]))
        {
            name = name[1..];
        }
        if (name.Length > 5 && name.EndsWith("Grain", StringComparison.Ordinal))
        {
            name = name[..^5];
        }
        return name.ToLowerInvariant();
    });
}
