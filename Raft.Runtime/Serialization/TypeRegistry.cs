using System.Collections.Concurrent;
using System.Reflection;

namespace Raft.Runtime.Serialization;

/// <summary>
/// Finds the types a tag name may mean: by [Alias], else by full name. Only assemblies that reference this one can
/// declare serializable types, so only they are scanned for aliases (lazily, and again when a name is not found
/// and new assemblies have loaded since). Nothing here loads an assembly or runs a type's code.
/// </summary>
internal static class TypeRegistry
{
    private static readonly Lock Gate = new();
    private static readonly Assembly RuntimeAssembly = typeof(TypeRegistry).Assembly;
    private static readonly HashSet<Assembly> Scanned = [];
    private static readonly ConcurrentDictionary<string, Type[]> ByFullName = new(StringComparer.Ordinal);

    // Copy-on-write, so lookups take no lock.
    private static volatile Dictionary<string, Type[]> s_aliases = new(StringComparer.Ordinal);
    private static volatile Assembly[] s_serializableAssemblies = [];
    private static int s_assemblyCount = -1;

    /// <summary>Every type the name may mean (several when unrelated types share an alias); empty when none.</summary>
    public static Type[] Find(string name)
    {
        if (s_assemblyCount < 0)
        {
            ScanNewAssemblies();
        }
        var found = Lookup(name);
        if (found.Length == 0 && ScanNewAssemblies())
        {
            found = Lookup(name);
        }
        return found;
    }

    private static Type[] Lookup(string name)
    {
        if (s_aliases.TryGetValue(name, out var aliased))
        {
            return aliased;
        }
        if (ByFullName.TryGetValue(name, out var known))
        {
            return known;
        }
        var matches = new List<Type>();
        foreach (var assembly in s_serializableAssemblies)
        {
            if (assembly.GetType(name, throwOnError: false, ignoreCase: false) is { } type)
            {
                matches.Add(type);
            }
        }
        // The core library (and this assembly): enums and other built-ins by full name.
        if (Type.GetType(name, throwOnError: false, ignoreCase: false) is { } coreType && !matches.Contains(coreType))
        {
            matches.Add(coreType);
        }
        if (matches.Count == 0)
        {
            // Misses are not cached: a stream of forged names must not grow memory.
            return [];
        }
        var result = matches.ToArray();
        ByFullName.TryAdd(name, result);
        return result;
    }

    /// <summary>Scans assemblies loaded since the last scan; false when there were none.</summary>
    private static bool ScanNewAssemblies()
    {
        var loaded = AppDomain.CurrentDomain.GetAssemblies();
        if (loaded.Length == Volatile.Read(ref s_assemblyCount))
        {
            return false;
        }
        lock (Gate)
        {
            var aliases = new Dictionary<string, Type[]>(s_aliases, StringComparer.Ordinal);
            var serializable = new List<Assembly>(s_serializableAssemblies);
            var added = false;
            foreach (var assembly in loaded)
            {
                if (!Scanned.Add(assembly) || assembly.IsDynamic || !ReferencesRuntime(assembly))
                {
                    continue;
                }
                added = true;
                serializable.Add(assembly);
                foreach (var type in LoadableTypes(assembly))
                {
                    if (type.GetCustomAttribute<AliasAttribute>(inherit: false) is { } alias)
                    {
                        aliases[alias.Alias] = aliases.TryGetValue(alias.Alias, out var others) ? [.. others, type] : [type];
                    }
                }
            }
            if (added)
            {
                s_aliases = aliases;
                s_serializableAssemblies = [.. serializable];
            }
            Volatile.Write(ref s_assemblyCount, loaded.Length);
            return added;
        }
    }

    private static bool ReferencesRuntime(Assembly assembly)
    {
        if (assembly == RuntimeAssembly)
        {
            return true;
        }
        var name = RuntimeAssembly.GetName().Name;
        foreach (var reference in assembly.GetReferencedAssemblies())
        {
            if (reference.Name == name)
            {
                return true;
            }
        }
        return false;
    }

    private static IEnumerable<Type> LoadableTypes(Assembly assembly)
    {
        try
        {
            return assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException ex)
        {
            return ex.Types.OfType<Type>();
        }
    }
}
