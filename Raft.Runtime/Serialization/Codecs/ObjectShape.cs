using System.Reflection;

namespace Raft.Runtime.Serialization;

/// <summary>One serialized member: where to read it from, how to set it, and its stable id.</summary>
internal sealed class ShapeMember(MemberInfo member, Type type, uint id)
{
    public MemberInfo Member { get; } = member;

    public Type Type { get; } = type;

    public uint Id { get; } = id;

    public string Name => Member.Name;

    /// <summary>Index into the flat slot array (all levels, base first).</summary>
    public int Slot { get; set; }

    /// <summary>The constructor parameter this member is passed to, if any.</summary>
    public ParameterInfo? Parameter { get; set; }

    /// <summary>Where a member that is not a constructor argument is assigned (a setter or a field).</summary>
    public MemberInfo? SetTarget { get; set; }
}

/// <summary>
/// The members of a [GenerateSerializer] type and how to construct it, worked out once by reflection.
/// Members: those with [Id(n)] (on a property, field, or constructor parameter), else the parameters of the
/// type's single primary constructor with implicit ids 0, 1, 2… Each [GenerateSerializer] base type is its own
/// level with its own ids, base first. Construction: the constructor whose parameters all match members by name,
/// else a parameterless one; members that are not constructor arguments are then set.
/// </summary>
internal sealed class ObjectShape
{
    private const BindingFlags DeclaredInstance = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;
    private const BindingFlags AllInstance = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic;

    private ObjectShape(Type type, ShapeMember[][] levels, ConstructorInfo? constructor)
    {
        Type = type;
        Levels = levels;
        Constructor = constructor;
    }

    public Type Type { get; }

    /// <summary>Members per level, base first, each level ordered by id.</summary>
    public ShapeMember[][] Levels { get; }

    /// <summary>Null for a struct built as default(T) and then assigned.</summary>
    public ConstructorInfo? Constructor { get; }

    /// <param name="fail">Reports why the type cannot be serialized (throws).</param>
    public static ObjectShape Describe(Type type, Func<string, Exception> fail)
    {
        var levelTypes = new List<Type>();
        for (var t = type; t is not null && t != typeof(object) && t != typeof(ValueType); t = t.BaseType)
        {
            if (t == type || CodecRegistry.IsMarked(t))
            {
                levelTypes.Insert(0, t);
            }
            else if (DeclaresIds(t))
            {
                throw fail($"its base type {TypeNames.Display(t)} has [Id] members but is not marked [GenerateSerializer]");
            }
        }

        var levels = new ShapeMember[levelTypes.Count][];
        var all = new List<ShapeMember>();
        for (var i = 0; i < levelTypes.Count; i++)
        {
            levels[i] = DescribeLevel(levelTypes[i], levelTypes, fail);
            foreach (var member in levels[i])
            {
                member.Slot = all.Count;
                all.Add(member);
            }
        }

        var constructor = ChooseConstructor(type, all, fail);
        foreach (var member in all)
        {
            if (member.Parameter is null)
            {
                member.SetTarget = FindSetTarget(member) ?? throw fail(
                    $"member '{member.Name}' cannot be set: it has no setter and matches no constructor parameter");
            }
        }
        return new ObjectShape(type, levels, constructor);
    }

    private static ShapeMember[] DescribeLevel(Type level, List<Type> levelTypes, Func<string, Exception> fail)
    {
        var members = new Dictionary<MemberInfo, ShapeMember>();
        void Add(MemberInfo member, uint id)
        {
            if (members.TryGetValue(member, out var existing))
            {
                if (existing.Id != id)
                {
                    throw fail($"member '{member.Name}' of {TypeNames.Display(level)} has two ids, {existing.Id} and {id}");
                }
                return;
            }
            members.Add(member, new ShapeMember(member, MemberType(member), id));
        }

        foreach (var property in level.GetProperties(DeclaredInstance))
        {
            if (property.GetCustomAttribute<IdAttribute>() is { } id)
            {
                if (property.GetIndexParameters().Length > 0 || property.GetMethod is null)
                {
                    throw fail($"member '{property.Name}' of {TypeNames.Display(level)} has [Id] but is an indexer or has no getter");
                }
                Add(property, id.Id);
            }
        }
        foreach (var field in level.GetFields(DeclaredInstance))
        {
            if (field.GetCustomAttribute<IdAttribute>() is { } id)
            {
                Add(field, id.Id);
            }
        }
        foreach (var constructor in level.GetConstructors(DeclaredInstance))
        {
            foreach (var parameter in constructor.GetParameters())
            {
                if (parameter.GetCustomAttribute<IdAttribute>() is { } id)
                {
                    var member = FindMember(level, parameter.Name) ?? throw fail(
                        $"constructor parameter '{parameter.Name}' of {TypeNames.Display(level)} has [Id] but no property or field of that name");
                    Add(member, id.Id);
                }
            }
        }

        if (members.Count == 0)
        {
            AddImplicitMembers(level, levelTypes, fail, Add);
        }
        if (members.Count == 0 && FirstPublicSettableMember(level) is { } forgotten)
        {
            // Almost certainly a forgotten [Id]: the value would silently travel without this member.
            throw fail($"it serializes no members, yet '{forgotten}' is publicly settable; mark the members to serialize with [Id(n)]");
        }

        var result = new ShapeMember[members.Count];
        members.Values.CopyTo(result, 0);
        Array.Sort(result, static (a, b) => a.Id.CompareTo(b.Id));
        for (var i = 1; i < result.Length; i++)
        {
            if (result[i].Id == result[i - 1].Id)
            {
                throw fail($"members '{result[i - 1].Name}' and '{result[i].Name}' of {TypeNames.Display(level)} share id {result[i].Id}");
            }
        }
        return result;
    }

    /// <summary>Without [Id]s, the primary constructor's parameters are the members, with ids by position.</summary>
    private static void AddImplicitMembers(Type level, List<Type> levelTypes, Func<string, Exception> fail, Action<MemberInfo, uint> add)
    {
        ConstructorInfo? primary = null;
        foreach (var constructor in level.GetConstructors(DeclaredInstance))
        {
            // Abstract records have protected constructors; private and internal ones are not part of the contract.
            var visible = constructor.IsPublic || (level.IsAbstract && (constructor.IsFamily || constructor.IsFamilyOrAssembly));
            if (!visible || IsCopyConstructor(constructor, level))
            {
                continue;
            }
            if (primary is not null)
            {
                throw fail($"{TypeNames.Display(level)} has several constructors; mark its members with [Id(n)] so that the field ids are explicit");
            }
            primary = constructor;
        }
        if (primary is null)
        {
            return;
        }
        var parameters = primary.GetParameters();
        for (var i = 0; i < parameters.Length; i++)
        {
            var name = parameters[i].Name;
            if (FindMember(level, name) is { } member)
            {
                add(member, (uint)i);
                continue;
            }
            // A derived record passes the base's parameters on; the base level serializes them.
            var owner = FindOwner(level.BaseType, name);
            if (owner is null)
            {
                throw fail($"constructor parameter '{name}' of {TypeNames.Display(level)} matches no property or field");
            }
            if (!levelTypes.Contains(owner))
            {
                throw fail($"constructor parameter '{name}' of {TypeNames.Display(level)} is stored in base type {TypeNames.Display(owner)}, which is not marked [GenerateSerializer]");
            }
        }
    }

    private static ConstructorInfo? ChooseConstructor(Type type, List<ShapeMember> members, Func<string, Exception> fail)
    {
        ConstructorInfo? best = null;
        ShapeMember[]? bestArguments = null;
        foreach (var constructor in type.GetConstructors(AllInstance))
        {
            var parameters = constructor.GetParameters();
            if (parameters.Length == 0 || IsCopyConstructor(constructor, type) || MatchParameters(parameters, members) is not { } arguments)
            {
                continue;
            }
            // The most parameters wins; on a tie, a public constructor.
            if (best is null
                || parameters.Length > bestArguments!.Length
                || (parameters.Length == bestArguments.Length && constructor.IsPublic && !best.IsPublic))
            {
                best = constructor;
                bestArguments = arguments;
            }
        }
        if (best is not null)
        {
            var parameters = best.GetParameters();
            for (var i = 0; i < parameters.Length; i++)
            {
                bestArguments![i].Parameter = parameters[i];
            }
            return best;
        }
        if (type.IsValueType)
        {
            return null;
        }
        return type.GetConstructor(AllInstance, Type.EmptyTypes) ?? throw fail(
            "it has no constructor whose parameters all match serialized members by name, and no parameterless constructor");
    }

    /// <summary>The member for each parameter, or null when some parameter matches no member.</summary>
    private static ShapeMember[]? MatchParameters(ParameterInfo[] parameters, List<ShapeMember> members)
    {
        var matched = new ShapeMember[parameters.Length];
        for (var i = 0; i < parameters.Length; i++)
        {
            ShapeMember? match = null;
            // Last wins: a derived level's member hides a base member of the same name.
            foreach (var member in members)
            {
                if (string.Equals(member.Name, parameters[i].Name, StringComparison.OrdinalIgnoreCase)
                    && parameters[i].ParameterType.IsAssignableFrom(member.Type))
                {
                    match = member;
                }
            }
            if (match is null || Array.IndexOf(matched, match) >= 0)
            {
                return null;
            }
            matched[i] = match;
        }
        return matched;
    }

    private static MemberInfo? FindSetTarget(ShapeMember member)
    {
        switch (member.Member)
        {
            case FieldInfo field:
                return field;
            case PropertyInfo property when property.SetMethod is not null:
                return property;
            case PropertyInfo property:
                // A get-only auto-property is still assignable through its backing field.
                return property.DeclaringType!.GetField($"<{property.Name}>k__BackingField", DeclaredInstance);
            default:
                return null;
        }
    }

    private static MemberInfo? FindMember(Type level, string? name)
    {
        if (name is null)
        {
            return null;
        }
        foreach (var property in level.GetProperties(DeclaredInstance))
        {
            if (property.GetIndexParameters().Length == 0 && property.GetMethod is not null && string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return property;
            }
        }
        foreach (var field in level.GetFields(DeclaredInstance))
        {
            if (!field.IsDefined(typeof(System.Runtime.CompilerServices.CompilerGeneratedAttribute)) && string.Equals(field.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return field;
            }
        }
        return null;
    }

    private static string? FirstPublicSettableMember(Type level)
    {
        foreach (var property in level.GetProperties(BindingFlags.Instance | BindingFlags.Public | BindingFlags.DeclaredOnly))
        {
            if (property.SetMethod is { IsPublic: true } && property.GetIndexParameters().Length == 0)
            {
                return property.Name;
            }
        }
        foreach (var field in level.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.DeclaredOnly))
        {
            if (!field.IsInitOnly)
            {
                return field.Name;
            }
        }
        return null;
    }

    private static Type? FindOwner(Type? type, string? name)
    {
        for (var t = type; t is not null && t != typeof(object); t = t.BaseType)
        {
            if (FindMember(t, name) is not null)
            {
                return t;
            }
        }
        return null;
    }

    private static bool DeclaresIds(Type type)
    {
        foreach (var member in type.GetMembers(DeclaredInstance))
        {
            if (member.IsDefined(typeof(IdAttribute), inherit: false))
            {
                return true;
            }
        }
        return false;
    }

    private static bool IsCopyConstructor(ConstructorInfo constructor, Type type)
    {
        var parameters = constructor.GetParameters();
        return parameters.Length == 1 && parameters[0].ParameterType == type;
    }

    private static Type MemberType(MemberInfo member) => member switch
    {
        PropertyInfo property => property.PropertyType,
        FieldInfo field => field.FieldType,
        _ => throw new ArgumentException($"{member} is neither a property nor a field.", nameof(member)),
    };
}
