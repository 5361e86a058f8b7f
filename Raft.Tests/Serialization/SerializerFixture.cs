using System.Buffers;
using Raft.Runtime.Serialization;

namespace Raft.Tests.Serialization;

internal static class Wire
{
    public static readonly WireSerializer Serializer = new();

    /// <summary>Through the generic array API.</summary>
    public static T RoundTrip<T>(T value) => Serializer.Deserialize<T>(Serializer.SerializeToArray(value));

    /// <summary>Through the non-generic writer/reader API, as the runtime uses it for call arguments.</summary>
    public static object? RoundTripBoxed(object? value, Type declaredType)
    {
        var output = new ArrayBufferWriter<byte>();
        var writer = new WireWriter(output);
        Serializer.Serialize(ref writer, value, declaredType);
        writer.Flush();
        var reader = new WireReader(output.WrittenSpan);
        var result = Serializer.Deserialize(ref reader, declaredType);
        Xunit.Assert.True(reader.End, "the reader consumed the whole payload");
        return result;
    }

    /// <summary>Builds a payload by hand, for forged and hand-checked input.</summary>
    public static byte[] Build(WriteAction write)
    {
        var output = new ArrayBufferWriter<byte>();
        var writer = new WireWriter(output);
        write(ref writer);
        writer.Flush();
        return output.WrittenSpan.ToArray();
    }

    public delegate void WriteAction(ref WireWriter writer);
}
