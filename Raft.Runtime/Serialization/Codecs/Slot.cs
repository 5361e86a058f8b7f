namespace Raft.Runtime.Serialization;

/// <summary>
/// Holds one member's value between reading it and constructing the object, typed so value-type members are not
/// boxed. An object codec reuses one array of slots per thread.
/// </summary>
internal abstract class Slot
{
    /// <summary>Set when the field was on the wire; members missing from an older writer keep their default.</summary>
    public bool Present;

    public abstract void Reset();
}

internal sealed class Slot<T>(T initial) : Slot
{
    /// <summary>The value to pass when the field is missing: the constructor parameter's default, or default(T).</summary>
    private readonly T _initial = initial;

    public T Value = initial;

    // Also drops references so a pooled slot does not keep the last object graph alive.
    public override void Reset()
    {
        Value = _initial;
        Present = false;
    }
}
