using System.Text;

namespace Raft.Runtime.Serialization;

/// <summary>C#-like type names for error messages ("List&lt;Func&lt;int&gt;&gt;" rather than "List`1[[System.Func`1…").</summary>
internal static class TypeNames
{
    public static string Display(Type type)
    {
        var builder = new StringBuilder();
        Append(builder, type);
        return builder.ToString();
    }

    private static void Append(StringBuilder builder, Type type)
    {
        if (type.IsArray)
        {
            Append(builder, type.GetElementType()!);
            builder.Append('[').Append(',', type.GetArrayRank() - 1).Append(']');
            return;
        }
        if (type.IsNested && !type.IsGenericParameter)
        {
            Append(builder, type.DeclaringType!);
            builder.Append('.');
        }
        var name = Type.GetTypeCode(type) switch
        {
            TypeCode.Boolean => "bool",
            TypeCode.Byte => "byte",
            TypeCode.SByte => "sbyte",
            TypeCode.Int16 => "short",
            TypeCode.UInt16 => "ushort",
            TypeCode.Int32 => "int",
            TypeCode.UInt32 => "uint",
            TypeCode.Int64 => "long",
            TypeCode.UInt64 => "ulong",
            TypeCode.Single => "float",
            TypeCode.Double => "double",
            TypeCode.Decimal => "decimal",
            TypeCode.Char => "char",
            TypeCode.String => "string",
            _ => type == typeof(object) ? "object" : null,
        };
        if (name is not null && !type.IsEnum)
        {
            builder.Append(name);
            return;
        }
        var tick = type.Name.IndexOf('`');
        builder.Append(tick < 0 ? type.Name : type.Name[..tick]);
        if (type.IsGenericType)
        {
            var arguments = type.GetGenericArguments();
            // A nested type's arguments include its declaring type's; only the ones it adds are its own.
            var inherited = type.IsNested ? type.DeclaringType!.GetGenericArguments().Length : 0;
            if (arguments.Length > inherited)
            {
                builder.Append('<');
                for (var i = inherited; i < arguments.Length; i++)
                {
                    if (i > inherited)
                    {
                        builder.Append(", ");
                    }
                    Append(builder, arguments[i]);
                }
                builder.Append('>');
            }
        }
    }
}
