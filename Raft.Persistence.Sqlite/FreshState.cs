using System.Runtime.CompilerServices;

namespace Raft.Persistence.Sqlite;

/// <summary>
/// The state a missing or cleared record reads as: a new instance through the parameterless constructor when
/// there is one, an empty array or string, and otherwise an all-default instance (so that a positional record
/// such as <c>HardState(long Term, string? VotedFor)</c> reads as term 0, no vote). Only interfaces and abstract
/// types, which cannot be instantiated, yield null.
/// </summary>
internal static class FreshState
{
    public static T Create<T>()
    {
        var type = typeof(T);
        if (type.IsValueType)
        {
            return Activator.CreateInstance<T>();
        }
        if (type == typeof(string))
        {
            return (T)(object)string.Empty;
        }
        if (type.IsArray)
        {
            return (T)(object)Array.CreateInstance(type.GetElementType()!, 0);
        }
        if (type.IsAbstract || type.IsInterface)
        {
            return default!;
        }
        if (type.GetConstructor(Type.EmptyTypes) is not null)
        {
            return Activator.CreateInstance<T>();
        }
        return (T)RuntimeHelpers.GetUninitializedObject(type);
    }
}
