using System.Buffers;
using Raft.Runtime.Serialization;
using Xunit;

namespace Raft.Tests.Serialization;

public class WireWriterReaderTests
{
    [Theory]
    [InlineData(0UL, 1)]
    [InlineData(127UL, 1)]
    [InlineData(128UL, 2)]
    [InlineData(16383UL, 2)]
    [InlineData(16384UL, 3)]
    [InlineData(ulong.MaxValue, 10)]
    public void VarUInt64_round_trips_with_the_expected_length(ulong value, int length)
    {
        var bytes = Wire.Build((ref WireWriter w) => w.WriteVarUInt64(value));
        Assert.Equal(length, bytes.Length);
        var reader = new WireReader(bytes);
        Assert.Equal(value, reader.ReadVarUInt64());
        Assert.True(reader.End);
    }

    [Theory]
    [InlineData(0L, 1)]
    [InlineData(-1L, 1)]
    [InlineData(63L, 1)]
    [InlineData(-64L, 1)]
    [InlineData(64L, 2)]
    [InlineData(long.MinValue, 10)]
    [InlineData(long.MaxValue, 10)]
    public void VarInt64_zigzags_small_negatives_into_short_encodings(long value, int length)
    {
        var bytes = Wire.Build((ref WireWriter w) => w.WriteVarInt64(value));
        Assert.Equal(length, bytes.Length);
        var reader = new WireReader(bytes);
        Assert.Equal(value, reader.ReadVarInt64());
    }

    [Fact]
    public void Fixed_width_values_and_strings_round_trip()
    {
        var guid = Guid.NewGuid();
        var bytes = Wire.Build((ref WireWriter w) =>
        {
            w.WriteInt32(-5);
            w.WriteInt64(long.MinValue);
            w.WriteSingle(1.25f);
            w.WriteDouble(-2.5);
            w.WriteGuid(guid);
            w.WriteString(null);
            w.WriteString("");
            w.WriteString("ünïcödé");
            w.WriteByteArray(null);
            w.WriteByteArray([1, 2]);
        });
        var reader = new WireReader(bytes);
        Assert.Equal(-5, reader.ReadInt32());
        Assert.Equal(long.MinValue, reader.ReadInt64());
        Assert.Equal(1.25f, reader.ReadSingle());
        Assert.Equal(-2.5, reader.ReadDouble());
        Assert.Equal(guid, reader.ReadGuid());
        Assert.Null(reader.ReadString());
        Assert.Equal("", reader.ReadString());
        Assert.Equal("ünïcödé", reader.ReadString());
        Assert.Null(reader.ReadByteArray());
        Assert.Equal([1, 2], reader.ReadByteArray());
        Assert.True(reader.End);
        Assert.Equal(bytes.Length, reader.Position);
    }

    [Fact]
    public void Reads_past_the_end_throw_WireSerializationException()
    {
        Assert.Throws<WireSerializationException>(() => new WireReader([]).ReadByte());
        Assert.Throws<WireSerializationException>(() => new WireReader([1, 2, 3]).ReadInt32());
        Assert.Throws<WireSerializationException>(() => new WireReader([0x80, 0x80]).ReadVarUInt64());
        Assert.Throws<WireSerializationException>(() => new WireReader([1, 2]).ReadBytes(3));
        Assert.Throws<WireSerializationException>(() => new WireReader([1, 2]).ReadBytes(-1));
        Assert.Throws<WireSerializationException>(() => new WireReader([0xFF, 0xFF, 0xFF, 0xFF, 0x10]).ReadVarUInt32());
        Assert.Throws<WireSerializationException>(() => new WireReader([0x0A, 1, 2]).ReadString());
    }

    /// <summary>An output that hands out small spans, like a pipe between segments.</summary>
    private sealed class SmallSpanWriter : IBufferWriter<byte>
    {
        private readonly List<byte> _written = [];
        private byte[] _current = [];

        public byte[] Written => [.. _written];

        public void Advance(int count) => _written.AddRange(_current.AsSpan(0, count));

        public Memory<byte> GetMemory(int sizeHint = 0) => _current = new byte[Math.Max(sizeHint, 1)];

        public Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;
    }

    [Fact]
    public void Writer_works_over_outputs_that_hand_out_small_spans()
    {
        var output = new SmallSpanWriter();
        var writer = new WireWriter(output);
        var blob = new byte[200_000];
        new Random(3).NextBytes(blob);
        var text = string.Concat(Enumerable.Repeat("ab€", 40_000));
        Wire.Serializer.Serialize(ref writer, new Polyline(text, [new Point(1, 2)], null, []), typeof(Polyline));
        Wire.Serializer.Serialize(ref writer, blob, typeof(byte[]));
        writer.Flush();
        Assert.Equal(output.Written.Length, writer.BytesWritten);

        var reader = new WireReader(output.Written);
        Assert.Equal(text, ((Polyline)Wire.Serializer.Deserialize(ref reader, typeof(Polyline))!).Name);
        Assert.Equal(blob, (byte[])Wire.Serializer.Deserialize(ref reader, typeof(byte[]))!);
        Assert.True(reader.End);
    }

    [Fact]
    public void Lone_surrogates_are_refused_rather_than_silently_replaced()
    {
        Assert.Throws<WireSerializationException>(() => Wire.Serializer.SerializeToArray("bad \ud800 text"));
    }
}
