using System.Collections;
using System.Collections.Concurrent;
using System.Reflection;
using System.Text;

namespace Raft.Simulation;

/// <summary>
/// The size a value would have in a compact binary encoding (fixed-size numbers, length-prefixed strings, byte arrays
/// and lists, each public property of a record in turn), for what the simulation counts in bytes: the network's
/// traffic and the peers' stored Raft state (6.5840's RaftStateSize). Nothing is serialized in simulation, so this
/// stands in for the encoder; it is deterministic and close to the wire format's sizes.
/// </summary>
public static class MessageSize
{
    private static readonly ConcurrentDictionary<Type, PropertyInfo[]> Properties = new();

    public static long Of(object? value) => value switch
    {
        null => 1,
        bool => 1,
        byte => 1,
        int or uint or float => 4,
        long or ulong or double or TimeSpan or DateTimeOffset => 8,
        Enum => 4,
        string text => 4 + Encoding.UTF8.GetByteCount(text),
        byte[] bytes => 4 + bytes.Length,
        IEnumerable items => 4 + items.Cast<object?>().Sum(Of),
        _ => PropertiesOf(value.GetType()).Sum(property => Of(property.GetValue(value))),
    };

    private static PropertyInfo[] PropertiesOf(Type type) =>
        Properties.GetOrAdd(type, static t => t
            .GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetIndexParameters().Length == 0 && p.Name != "EqualityContract")
            .OrderBy(p => p.MetadataToken)
            .ToArray());
}
