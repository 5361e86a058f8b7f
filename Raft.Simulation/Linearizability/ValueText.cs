namespace Raft.Simulation.Linearizability;

/// <summary>Quotes strings for reports, shortening long ones (appended values grow) to their head and tail.</summary>
internal static class ValueText
{
    private const int Keep = 24;

    public static string Quote(string? value)
    {
        if (value is null)
        {
            return "null";
        }
        if (value.Length <= 2 * Keep + 3)
        {
            return $"\"{value}\"";
        }
        return $"\"{value[..Keep]}...{value[^Keep..]}\" ({value.Length} chars)";
    }
}
