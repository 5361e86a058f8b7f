namespace Raft.Runtime.Serialization;

/// <summary>
/// A [GenerateSerializer] type (and ValueTuple, KeyValuePair, GrainId, which have the same shape): an Object body
/// per level. Every member is always written, so the field count is known up front; fields are read by id, unknown
/// ids are skipped and missing ones keep their default.
/// </summary>
internal interface IObjectCodec
{
    void Initialize(ObjectShape shape, Func<ShapeMember, WireCodec> memberCodec);
}

internal sealed class ObjectCodec<T> : WireCodec<T>, IObjectCodec
{
    // One slot array per thread and type: a read that recurses into the same type (a tree) takes a fresh one.
    [ThreadStatic]
    private static Slot[]? t_slots;

    private MemberCodec<T>[][] _levels = [];
    private MemberCodec<T>[] _members = [];
    private MemberCodec<T>[] _assignedAfterConstruction = [];
    private Func<Slot[], T> _construct = static _ => throw new InvalidOperationException("The codec is not initialized.");

    public override WireType? PackedWireType => typeof(T).IsValueType ? WireType.Object : null;

    /// <summary>
    /// Separate from the constructor so that the codec can be registered before its member codecs are built:
    /// a recursive type (a node holding nodes) then finds itself.
    /// </summary>
    public void Initialize(ObjectShape shape, Func<ShapeMember, WireCodec> memberCodec)
    {
        var levels = new MemberCodec<T>[shape.Levels.Length][];
        var all = new List<MemberCodec<T>>();
        var assigned = new List<MemberCodec<T>>();
        var arguments = new (int Slot, Type MemberType)[shape.Constructor?.GetParameters().Length ?? 0];
        for (var level = 0; level < levels.Length; level++)
        {
            var members = shape.Levels[level];
            levels[level] = new MemberCodec<T>[members.Length];
            for (var i = 0; i < members.Length; i++)
            {
                var member = members[i];
                var codec = memberCodec(member);
                var memberCodecType = typeof(MemberCodec<,>).MakeGenericType(typeof(T), member.Type);
                var created = (MemberCodec<T>)Activator.CreateInstance(memberCodecType, member, codec)!;
                levels[level][i] = created;
                all.Add(created);
                if (member.Parameter is { } parameter)
                {
                    arguments[parameter.Position] = (member.Slot, member.Type);
                }
                else
                {
                    assigned.Add(created);
                }
            }
        }
        _construct = Accessors.Constructor<T>(shape.Constructor, arguments);
        _members = [.. all];
        _assignedAfterConstruction = [.. assigned];
        _levels = levels;
    }

    public override void Write(ref WireWriter writer, ulong fieldId, T value)
    {
        if (value is null)
        {
            writer.WriteFieldHeader(fieldId, WireType.Null);
            return;
        }
        writer.WriteFieldHeader(fieldId, WireType.Object);
        WriteBody(ref writer, value);
    }

    public override void WriteBody(ref WireWriter writer, T value)
    {
        writer.EnterNested();
        WriteLevel(ref writer, ref value, _levels.Length - 1);
        writer.ExitNested();
    }

    public override T Read(ref WireReader reader, WireType wireType)
    {
        if (wireType == WireType.Object)
        {
            return ReadBody(ref reader);
        }
        if (wireType == WireType.Null && default(T) is null)
        {
            return default!;
        }
        throw WireErrors.UnexpectedWireType(typeof(T), WireType.Object, wireType);
    }

    /// <summary>The base level goes first, as field 0 holding a nested Object, then this level's members.</summary>
    private void WriteLevel(ref WireWriter writer, ref T value, int level)
    {
        var members = _levels[level];
        writer.WriteVarUInt64((ulong)members.Length + (level > 0 ? 1UL : 0UL));
        if (level > 0)
        {
            writer.WriteFieldHeader(0, WireType.Object);
            writer.EnterNested();
            WriteLevel(ref writer, ref value, level - 1);
            writer.ExitNested();
        }
        foreach (var member in members)
        {
            member.Write(ref writer, ref value);
        }
    }

    private T ReadBody(ref WireReader reader)
    {
        var slots = t_slots ?? CreateSlots();
        t_slots = null;
        reader.EnterNested();
        ReadLevel(ref reader, _levels.Length - 1, slots);
        reader.ExitNested();
        var result = _construct(slots);
        foreach (var member in _assignedAfterConstruction)
        {
            member.AssignIfPresent(ref result, slots);
        }
        foreach (var slot in slots)
        {
            slot.Reset();
        }
        // Not returned when reading throws: a half-filled array is simply dropped.
        t_slots = slots;
        return result;
    }

    private void ReadLevel(ref WireReader reader, int level, Slot[] slots)
    {
        var members = _levels[level];
        var count = reader.ReadCount();
        var next = 0;
        for (var i = 0; i < count; i++)
        {
            var wireType = reader.ReadFieldHeader(out var fieldId);
            if (fieldId == 0)
            {
                if (level > 0 && wireType == WireType.Object)
                {
                    reader.EnterNested();
                    ReadLevel(ref reader, level - 1, slots);
                    reader.ExitNested();
                }
                else
                {
                    reader.SkipValue(wireType);
                }
                continue;
            }
            var member = Find(members, fieldId, ref next);
            if (member is null)
            {
                // Written by a newer version of the type.
                reader.SkipValue(wireType);
            }
            else
            {
                member.Read(ref reader, wireType, slots);
            }
        }
    }

    /// <summary>Fields arrive in id order from our own writer, so the next member is tried before a scan.</summary>
    private static MemberCodec<T>? Find(MemberCodec<T>[] members, ulong fieldId, ref int next)
    {
        if (next < members.Length && members[next].FieldId == fieldId)
        {
            return members[next++];
        }
        for (var i = 0; i < members.Length; i++)
        {
            if (members[i].FieldId == fieldId)
            {
                next = i + 1;
                return members[i];
            }
        }
        return null;
    }

    private Slot[] CreateSlots()
    {
        var slots = new Slot[_members.Length];
        foreach (var member in _members)
        {
            slots[member.Slot] = member.CreateSlot();
        }
        return slots;
    }
}
