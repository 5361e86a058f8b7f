namespace Raft.Runtime;

/// <summary>
/// The identity of a grain: its type name and its key, printed as "type/key" as in Orleans.
/// A grain id says nothing about where the grain runs.
/// </summary>
public readonly record struct GrainId(string Type, string Key)
{
    public override string ToString() => $"{Type}/{Key}";

    public static GrainId Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var slash = value.IndexOf('/');
        if (slash <= 0)
        {
            throw new FormatException($"'{value}' is not a grain id of the form 'type/key'.");
        }
        return new GrainId(value[..slash], value[(slash + 1)..]);
    }
}
