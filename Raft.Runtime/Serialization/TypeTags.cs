using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Reflection;
using System.Text;

namespace Raft.Runtime.Serialization;

/// <summary>
/// Names a runtime type on the wire when the declared type does not fix it. Grammar:
/// <c>tag := name ['&lt;' tag (',' tag)* '&gt;'] ('[]')*</c>, where name is a built-in ("int", "string", "List",
/// "Dictionary", …, "Exception", "GrainReference"), a type's [Alias], or its full name.
/// Resolving a tag never creates arbitrary types: the result must be assignable to the declared type and have a
/// codec (see <see cref="CodecRegistry.GetConcreteCodec"/>), which only [GenerateSerializer] types, built-ins and
/// collections of them do.
/// </summary>
internal static class TypeTags
{
    public const string ExceptionTag = "Exception";
    public const string GrainReferenceTag = "GrainReference";
    private const int MaxNesting = 8;
    private const int MaxArrayRank = 4;

    private static readonly Dictionary<Type, string> BuiltInNames = new()
    {
        [typeof(bool)] = "bool",
        [typeof(byte)] = "byte",
        [typeof(sbyte)] = "sbyte",
        [typeof(short)] = "short",
        [typeof(ushort)] = "ushort",
        [typeof(int)] = "int",
        [typeof(uint)] = "uint",
        [typeof(long)] = "long",
        [typeof(ulong)] = "ulong",
        [typeof(float)] = "float",
        [typeof(double)] = "double",
        [typeof(decimal)] = "decimal",
        [typeof(char)] = "char",
        [typeof(string)] = "string",
        [typeof(object)] = "object",
        [typeof(Guid)] = "Guid",
        [typeof(TimeSpan)] = "TimeSpan",
        [typeof(DateTime)] = "DateTime",
        [typeof(DateTimeOffset)] = "DateTimeOffset",
        [typeof(GrainId)] = "GrainId",
        [typeof(Exception)] = ExceptionTag,
        [typeof(IAddressable)] = GrainReferenceTag,
        [typeof(List<>)] = "List",
        [typeof(Dictionary<,>)] = "Dictionary",
        [typeof(ImmutableArray<>)] = "ImmutableArray",
        [typeof(Nullable<>)] = "Nullable",
        [typeof(KeyValuePair<,>)] = "KeyValuePair",
        [typeof(ValueTuple<,>)] = "ValueTuple",
        [typeof(ValueTuple<,,>)] = "ValueTuple",
        [typeof(ValueTuple<,,,>)] = "ValueTuple",
        [typeof(ValueTuple<,,,,>)] = "ValueTuple",
        [typeof(ValueTuple<,,,,,>)] = "ValueTuple",
        [typeof(ValueTuple<,,,,,,>)] = "ValueTuple",
        [typeof(IEnumerable<>)] = "IEnumerable",
        [typeof(ICollection<>)] = "ICollection",
        [typeof(IReadOnlyCollection<>)] = "IReadOnlyCollection",
        [typeof(IList<>)] = "IList",
        [typeof(IReadOnlyList<>)] = "IReadOnlyList",
        [typeof(IDictionary<,>)] = "IDictionary",
        [typeof(IReadOnlyDictionary<,>)] = "IReadOnlyDictionary",
    };

    private static readonly Dictionary<string, Type[]> BuiltInsByName = BuiltInNames
        .GroupBy(pair => pair.Value, StringComparer.Ordinal)
        .ToDictionary(group => group.Key, group => group.Select(pair => pair.Key).ToArray(), StringComparer.Ordinal);

    private static readonly ConcurrentDictionary<Type, byte[]> Utf8Tags = new();

    /// <summary>The UTF-8 tag of a runtime type, computed once.</summary>
    public static byte[] GetUtf8(Type type) => Utf8Tags.GetOrAdd(type, static t => Encoding.UTF8.GetBytes(Get(t)));

    public static string Get(Type type)
    {
        var builder = new StringBuilder();
        Append(builder, type, type);
        if (Encoding.UTF8.GetByteCount(builder.ToString()) > WireLimits.MaxTagBytes)
        {
            throw new WireSerializationException($"The type tag of {TypeNames.Display(type)} is longer than {WireLimits.MaxTagBytes} bytes; give the type a shorter [Alias].");
        }
        return builder.ToString();
    }

    private static void Append(StringBuilder builder, Type type, Type root)
    {
        if (BuiltInNames.TryGetValue(type, out var builtIn))
        {
            builder.Append(builtIn);
            return;
        }
        if (type.IsArray)
        {
            if (!type.IsSZArray)
            {
                throw new WireSerializationException($"{TypeNames.Display(type)} is a multi-dimensional array, which cannot be serialized.");
            }
            Append(builder, type.GetElementType()!, root);
            builder.Append("[]");
            return;
        }
        if (type.IsGenericType)
        {
            var definition = type.GetGenericTypeDefinition();
            builder.Append(BuiltInNames.TryGetValue(definition, out var name) ? name : NameOf(definition, root));
            builder.Append('<');
            var arguments = type.GetGenericArguments();
            for (var i = 0; i < arguments.Length; i++)
            {
                if (i > 0)
                {
                    builder.Append(',');
                }
                Append(builder, arguments[i], root);
            }
            builder.Append('>');
            return;
        }
        builder.Append(NameOf(type, root));
    }

    private static string NameOf(Type type, Type root)
    {
        var name = type.GetCustomAttribute<AliasAttribute>(inherit: false)?.Alias ?? type.FullName;
        if (name is null || !IsValidName(name))
        {
            throw new WireSerializationException(
                $"{TypeNames.Display(type)} (in {TypeNames.Display(root)}) has no name usable as a type tag; give it an [Alias].");
        }
        return name;
    }

    /// <summary>Letters, digits, '_', '.', '+' (nested types), '`' (generic arity), '-': nothing Type.GetType reads as syntax.</summary>
    private static bool IsValidName(ReadOnlySpan<char> name)
    {
        if (name.IsEmpty)
        {
            return false;
        }
        foreach (var c in name)
        {
            if (!(char.IsLetterOrDigit(c) || c is '_' or '.' or '+' or '`' or '-'))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// Parses a tag into a type. When several types share a name (unrelated types may share an alias), the one
    /// assignable to <paramref name="declared"/> is chosen.
    /// </summary>
    public static Type Resolve(string tag, Type declared)
    {
        var position = 0;
        var type = Parse(tag, ref position, declared, depth: 0);
        if (position != tag.Length)
        {
            throw BadTag(tag, $"unexpected '{tag[position]}' at position {position}");
        }
        return type;
    }

    private static Type Parse(string tag, ref int position, Type? declared, int depth)
    {
        if (depth > MaxNesting)
        {
            throw BadTag(tag, "generic arguments nest too deeply");
        }
        var start = position;
        while (position < tag.Length && tag[position] is not ('<' or '>' or ',' or '['))
        {
            position++;
        }
        var name = tag[start..position];
        if (!IsValidName(name))
        {
            throw BadTag(tag, $"'{name}' is not a type name");
        }

        List<Type>? arguments = null;
        if (position < tag.Length && tag[position] == '<')
        {
            arguments = [];
            position++;
            while (true)
            {
                arguments.Add(Parse(tag, ref position, declared: null, depth + 1));
                if (position < tag.Length && tag[position] == ',' && arguments.Count < 8)
                {
                    position++;
                    continue;
                }
                if (position < tag.Length && tag[position] == '>')
                {
                    position++;
                    break;
                }
                throw BadTag(tag, "unterminated generic argument list");
            }
        }

        var rank = 0;
        while (position + 1 < tag.Length && tag[position] == '[' && tag[position + 1] == ']')
        {
            if (++rank > MaxArrayRank)
            {
                throw BadTag(tag, "arrays nest too deeply");
            }
            position += 2;
        }

        var type = ResolveName(tag, name, arguments, rank == 0 ? declared : null);
        for (var i = 0; i < rank; i++)
        {
            type = type.MakeArrayType();
        }
        return type;
    }

    private static Type ResolveName(string tag, string name, List<Type>? arguments, Type? declared)
    {
        var arity = arguments?.Count ?? 0;
        Type? chosen = null;
        var candidates = BuiltInsByName.TryGetValue(name, out var builtIns) ? builtIns : TypeRegistry.Find(name);
        foreach (var candidate in candidates)
        {
            var candidateArity = candidate.IsGenericTypeDefinition ? candidate.GetGenericArguments().Length : 0;
            if (candidateArity != arity)
            {
                continue;
            }
            var constructed = arity == 0 ? candidate : MakeGeneric(tag, candidate, arguments!);
            if (declared is not null && candidates.Length > 1 && !declared.IsAssignableFrom(constructed))
            {
                continue;
            }
            if (chosen is not null)
            {
                throw BadTag(tag, $"'{name}' names more than one type ({TypeNames.Display(chosen)}, {TypeNames.Display(constructed)})");
            }
            chosen = constructed;
        }
        return chosen ?? throw new WireSerializationException(
            $"Unknown type tag '{tag}': no loaded type is named '{name}'{(arity > 0 ? $" with {arity} type argument(s)" : "")}.");
    }

    private static Type MakeGeneric(string tag, Type definition, List<Type> arguments)
    {
        try
        {
            return definition.MakeGenericType([.. arguments]);
        }
        catch (ArgumentException ex)
        {
            throw new WireSerializationException($"Malformed type tag '{tag}': {ex.Message}", ex);
        }
    }

    private static WireSerializationException BadTag(string tag, string reason) =>
        new($"Malformed type tag '{(tag.Length > 100 ? tag[..100] + "…" : tag)}': {reason}.");
}
