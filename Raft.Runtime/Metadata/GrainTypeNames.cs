namespace Raft.Runtime.Metadata;

/// <summary>Naming rules shared by the silo and the client.</summary>
internal static class GrainTypeNames
{
    /// <summary>Orleans' rule: [GrainType] if present, else the class name lower-cased without a trailing "grain".</summary>
    public static string ForClass(Type grainClass)
    {
        var attribute = (GrainTypeAttribute?)Attribute.GetCustomAttribute(grainClass, typeof(GrainTypeAttribute), inherit: false);
        if (attribute is not null)
        {
            return attribute.GrainType;
        }
        var name = grainClass.Name;
        var tick = name.IndexOf('`');
        if (tick >= 0)
        {
            name = name[..tick];
        }
        if (name.Length > 5 && name.EndsWith("Grain", StringComparison.Ordinal))
        {
            name = name[..^5];
        }
        return name.ToLowerInvariant();
    }

    /// <summary>The wire name of a grain interface: its [Alias] if present, else its full name.</summary>
    public static string ForInterface(Type grainInterface)
    {
        var alias = (AliasAttribute?)Attribute.GetCustomAttribute(grainInterface, typeof(AliasAttribute), inherit: false);
        return alias?.Alias ?? grainInterface.FullName ?? grainInterface.Name;
    }
}
