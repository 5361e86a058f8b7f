using System.Collections.Concurrent;

namespace Raft.Runtime.Serialization;

/// <summary>Which types <see cref="WireSerializer.DeepCopy{T}"/> may pass through without copying; cached per type.</summary>
internal static class ShallowCopyable
{
    private static readonly ConcurrentDictionary<Type, bool> Cache = new();

    public static bool Get(Type type) => Cache.TryGetValue(type, out var result) ? result : Cache.GetOrAdd(type, Compute(type));

    private static bool Compute(Type type)
    {
        if (type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(Guid)
            || type == typeof(DateTime) || type == typeof(DateTimeOffset) || type == typeof(TimeSpan) || type == typeof(GrainId))
        {
            return true;
        }
        if (Nullable.GetUnderlyingType(type) is { } underlying)
        {
            return Get(underlying);
        }
        return type.IsDefined(typeof(ImmutableAttribute), inherit: false);
    }
}
