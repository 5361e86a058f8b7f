namespace Raft.Runtime.Serialization;

/// <summary>
/// How the elements of one sequence type are written: packed (bodies only, when the element codec has a single
/// wire type, e.g. int or string) or tagged (a one-byte header per element, when elements may be null or typed).
/// The mode goes on the wire, so a reader follows whatever the writer chose.
/// </summary>
internal sealed class ElementFormat<T>(WireCodec<T> codec)
{
    public byte Mode { get; } = codec.PackedWireType is { } wireType ? (byte)wireType : WireReader.TaggedElements;

    public WireCodec<T> Codec => codec;

    public void WriteHeader(ref WireWriter writer, int count) => WriteHeader(ref writer, count, Mode);

    public static void WriteHeader(ref WireWriter writer, int count, byte mode)
    {
        writer.WriteVarUInt64((ulong)count);
        writer.WriteByte(mode);
    }

    public void Write(ref WireWriter writer, T value) => Write(ref writer, value, Mode);

    public void Write(ref WireWriter writer, T value, byte mode)
    {
        if (mode == WireReader.TaggedElements)
        {
            codec.Write(ref writer, 0, value);
        }
        else
        {
            codec.WriteBody(ref writer, value);
        }
    }

    public void WriteAll(ref WireWriter writer, ReadOnlySpan<T> values)
    {
        WriteHeader(ref writer, values.Length);
        foreach (var value in values)
        {
            Write(ref writer, value);
        }
    }

    public T Read(ref WireReader reader, byte mode) => codec.Read(ref reader, reader.ReadElementWireType(mode));

    /// <summary>Reads a sequence body into a new array (the caller has checked the wire type).</summary>
    public T[] ReadArray(ref WireReader reader)
    {
        reader.EnterNested();
        var count = reader.ReadSequenceHeader(out var mode);
        var items = count == 0 ? [] : new T[count];
        for (var i = 0; i < items.Length; i++)
        {
            items[i] = Read(ref reader, mode);
        }
        reader.ExitNested();
        return items;
    }

    /// <summary>Reads a sequence body into a new list (the caller has checked the wire type).</summary>
    public List<T> ReadList(ref WireReader reader)
    {
        reader.EnterNested();
        var count = reader.ReadSequenceHeader(out var mode);
        var items = new List<T>(count);
        for (var i = 0; i < count; i++)
        {
            items.Add(Read(ref reader, mode));
        }
        reader.ExitNested();
        return items;
    }
}
