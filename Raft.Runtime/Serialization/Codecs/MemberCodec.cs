namespace Raft.Runtime.Serialization;

/// <summary>One member of an object: its field id, accessor, and the codec of its declared type.</summary>
internal abstract class MemberCodec<TOwner>(string name, ulong fieldId, int slot)
{
    public string Name { get; } = name;

    /// <summary>The id on the wire: the member's [Id] plus one (0 holds the base type's level).</summary>
    public ulong FieldId { get; } = fieldId;

    public int Slot { get; } = slot;

    public abstract void Write(ref WireWriter writer, ref TOwner owner);

    public abstract void Read(ref WireReader reader, WireType wireType, Slot[] slots);

    public abstract Slot CreateSlot();

    /// <summary>Assigns the member after construction, if its field was on the wire.</summary>
    public abstract void AssignIfPresent(ref TOwner owner, Slot[] slots);
}

internal sealed class MemberCodec<TOwner, TMember>(ShapeMember member, WireCodec<TMember> codec)
    : MemberCodec<TOwner>(member.Name, (ulong)member.Id + 1, member.Slot)
{
    private readonly RefGetter<TOwner, TMember> _get = Accessors.Getter<TOwner, TMember>(member.Member);
    private readonly RefSetter<TOwner, TMember>? _set = member.SetTarget is { } target ? Accessors.Setter<TOwner, TMember>(target) : null;
    private readonly TMember _initial = InitialValue(member);

    public override void Write(ref WireWriter writer, ref TOwner owner) => codec.Write(ref writer, FieldId, _get(ref owner));

    public override void Read(ref WireReader reader, WireType wireType, Slot[] slots)
    {
        var slot = (Slot<TMember>)slots[Slot];
        slot.Value = codec.Read(ref reader, wireType);
        slot.Present = true;
    }

    public override Slot CreateSlot() => new Slot<TMember>(_initial);

    public override void AssignIfPresent(ref TOwner owner, Slot[] slots)
    {
        var slot = (Slot<TMember>)slots[Slot];
        if (slot.Present)
        {
            _set!(ref owner, slot.Value);
        }
    }

    /// <summary>A field an older writer did not send is passed as the constructor parameter's default value.</summary>
    private static TMember InitialValue(ShapeMember member)
    {
        if (member.Parameter is not { HasDefaultValue: true } parameter)
        {
            return default!;
        }
        return parameter.DefaultValue switch
        {
            TMember value => value,
            null or DBNull => default!,
            var raw when typeof(TMember).IsEnum => (TMember)Enum.ToObject(typeof(TMember), raw),
            var raw when Nullable.GetUnderlyingType(typeof(TMember)) is { IsEnum: true } underlying => (TMember)Enum.ToObject(underlying, raw),
            _ => default!,
        };
    }
}
