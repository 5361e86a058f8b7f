namespace Raft.Simulation.Explorer;

/// <summary>
/// The appends the service acknowledged, per key. Each appended value is unique, so after the run every one must
/// still be in its key's final value exactly once: an acknowledged write is never lost, and never applied twice.
/// </summary>
internal sealed class AcknowledgedWrites
{
    private readonly object gate = new();
    private readonly Dictionary<string, List<string>> appends = new(StringComparer.Ordinal);

    public int Count
    {
        get
        {
            lock (gate)
            {
                return appends.Values.Sum(v => v.Count);
            }
        }
    }

    public void Add(string key, string value)
    {
        lock (gate)
        {
            if (!appends.TryGetValue(key, out var values))
            {
                appends[key] = values = new List<string>();
            }
            values.Add(value);
        }
    }

    /// <summary>What is wrong with the final value of <paramref name="key"/>: acknowledged appends missing or doubled.</summary>
    public IEnumerable<string> Check(string key, string finalValue)
    {
        List<string> values;
        lock (gate)
        {
            values = appends.TryGetValue(key, out var found) ? found.ToList() : [];
        }
        foreach (var value in values)
        {
            var first = finalValue.IndexOf(value, StringComparison.Ordinal);
            if (first < 0)
            {
                yield return $"acknowledged write lost: append {value} to \"{key}\" is not in its final value \"{finalValue}\"";
            }
            else if (finalValue.IndexOf(value, first + value.Length, StringComparison.Ordinal) >= 0)
            {
                yield return $"write applied twice: append {value} to \"{key}\" occurs more than once in \"{finalValue}\"";
            }
        }
    }
}
