namespace Raft.Simulation.Linearizability;

/// <summary>
/// The reply of the string key-value service. <see cref="Value"/> is the value a Get read ("" for a missing
/// key), or for an Append the old value when the service returns it (the 2024 kvsrv lab does), else null.
/// Put and Delete replies carry nothing (<see cref="Ack"/>). <see cref="Unknown"/> marks an operation whose
/// outcome the client never learned: the model accepts it whatever the state (see <see cref="Operation{TInput, TOutput}"/>).
/// </summary>
public sealed record KvOutput(string? Value, bool IsUnknown = false)
{
    /// <summary>A completed Put, Append or Delete whose reply carries no value.</summary>
    public static KvOutput Ack { get; } = new((string?)null);

    /// <summary>No reply: the operation may or may not have taken effect, and a Get may have read anything.</summary>
    public static KvOutput Unknown { get; } = new(null, IsUnknown: true);

    /// <summary>A Get (or value-returning Append) that returned <paramref name="value"/>.</summary>
    public static KvOutput Of(string value) => new(value);
}
