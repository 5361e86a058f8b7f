using System.Diagnostics;
using Raft.Runtime.Serialization;
using Xunit;

namespace Raft.Tests.Serialization;

public class MalformedInputTests
{
    private static Drawing SampleDrawing() => new(
        new Circle("main", 3),
        [new Square("a", 1), new Triangle("t", 2)],
        new List<object?> { 1, "two", new Point(3, 3), null, new[] { 1.5, 2.5 }, (5, "five") },
        [new Polygon("p", 7)],
        new Dog { Name = "Rex", GoodBoy = true },
        null);

    private static Collections SampleCollections() => new(
        [1, 2], ["a", null], [3], [new Point(1, 2)], [4L], [5], new() { ["k"] = 1 }, new Dictionary<int, Point> { [1] = new Point(1, 1) },
        [null, 2], [[1, 2], []], (1, "x"), (1, "two", true, 4.5, 5L, new Point(6, 6), Color.Red));

    [Fact]
    public void Every_truncation_of_a_valid_payload_throws_WireSerializationException()
    {
        AssertEveryTruncationFails(Wire.Serializer.SerializeToArray(SampleDrawing()), Wire.Serializer.Deserialize<Drawing>);
        AssertEveryTruncationFails(Wire.Serializer.SerializeToArray(SampleCollections()), Wire.Serializer.Deserialize<Collections>);
        AssertEveryTruncationFails(Wire.Serializer.SerializeToArray<object>(SampleDrawing()), Wire.Serializer.Deserialize<object>);
        AssertEveryTruncationFails(
            Wire.Serializer.SerializeToArray(new PersonV2("a", 1, [new Point(1, 1)], "e", new Line(new Point(1, 1), new Point(2, 2), null))),
            Wire.Serializer.Deserialize<PersonV1>);
    }

    private static void AssertEveryTruncationFails<T>(byte[] payload, DeserializeSpan<T> deserialize)
    {
        // The complete payload is valid...
        deserialize(payload);
        // ...and no proper prefix is.
        for (var length = 0; length < payload.Length; length++)
        {
            var prefix = payload.AsSpan(0, length).ToArray();
            Assert.Throws<WireSerializationException>(() => deserialize(prefix));
        }
        // Trailing bytes are rejected too.
        var longer = new byte[payload.Length + 1];
        payload.CopyTo(longer, 0);
        var ex = Assert.Throws<WireSerializationException>(() => deserialize(longer));
        Assert.Contains("trailing", ex.Message);
    }

    private delegate T DeserializeSpan<T>(ReadOnlySpan<byte> data);

    [Fact]
    public void Random_garbage_only_ever_throws_WireSerializationException_and_quickly()
    {
        var random = new Random(12345);
        var stopwatch = Stopwatch.StartNew();
        for (var i = 0; i < 20_000; i++)
        {
            var garbage = new byte[random.Next(0, 64)];
            random.NextBytes(garbage);
            AssertOnlyWireErrors(() => Wire.Serializer.Deserialize<Drawing>(garbage));
            AssertOnlyWireErrors(() => Wire.Serializer.Deserialize<object>(garbage));
            AssertOnlyWireErrors(() => Wire.Serializer.Deserialize<Collections>(garbage));
        }
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(30), $"took {stopwatch.Elapsed}");
    }

    [Fact]
    public void Corrupted_valid_payloads_only_ever_throw_WireSerializationException()
    {
        var random = new Random(54321);
        byte[][] payloads =
        [
            Wire.Serializer.SerializeToArray(SampleDrawing()),
            Wire.Serializer.SerializeToArray(SampleCollections()),
        ];
        for (var i = 0; i < 20_000; i++)
        {
            var payload = (byte[])payloads[i % 2].Clone();
            for (var flips = random.Next(1, 4); flips > 0; flips--)
            {
                payload[random.Next(payload.Length)] = (byte)random.Next(256);
            }
            if (i % 2 == 0)
            {
                AssertOnlyWireErrors(() => Wire.Serializer.Deserialize<Drawing>(payload));
            }
            else
            {
                AssertOnlyWireErrors(() => Wire.Serializer.Deserialize<Collections>(payload));
            }
        }
    }

    private static void AssertOnlyWireErrors(Action read)
    {
        try
        {
            read();
        }
        catch (WireSerializationException)
        {
        }
    }

    [Fact]
    public void Forged_huge_lengths_and_counts_fail_without_allocating()
    {
        // Build the codecs first: only the reads below are measured.
        Wire.RoundTrip("s");
        Wire.RoundTrip(new byte[1]);
        Wire.RoundTrip(new List<int> { 1 });
        Wire.RoundTrip(new long[] { 1 });
        Wire.RoundTrip(new Dictionary<int, int> { [1] = 1 });
        Wire.RoundTrip(new Point(1, 1));
        Wire.RoundTrip(1L);
        var before = GC.GetAllocatedBytesForCurrentThread();

        // A string claiming 2^62 bytes.
        var hugeString = Wire.Build((ref WireWriter w) =>
        {
            w.WriteByte((byte)WireType.LengthDelimited);
            w.WriteVarUInt64(1UL << 62);
            w.WriteBytes("abc"u8);
        });
        Assert.Contains("exceeds", Assert.Throws<WireSerializationException>(() => Wire.Serializer.Deserialize<string>(hugeString)).Message);
        Assert.Throws<WireSerializationException>(() => Wire.Serializer.Deserialize<byte[]>(hugeString));

        // A list claiming int.MaxValue elements.
        var hugeList = Wire.Build((ref WireWriter w) =>
        {
            w.WriteByte((byte)WireType.Sequence);
            w.WriteVarUInt64(int.MaxValue);
            w.WriteByte((byte)WireType.VarInt);
            w.WriteBytes([1, 2, 3]);
        });
        Assert.Throws<WireSerializationException>(() => Wire.Serializer.Deserialize<List<int>>(hugeList));
        Assert.Throws<WireSerializationException>(() => Wire.Serializer.Deserialize<long[]>(hugeList));
        Assert.Throws<WireSerializationException>(() => Wire.Serializer.Deserialize<Dictionary<int, int>>(hugeList));

        // An object claiming a billion fields.
        var hugeObject = Wire.Build((ref WireWriter w) =>
        {
            w.WriteByte((byte)WireType.Object);
            w.WriteVarUInt64(1_000_000_000);
        });
        Assert.Throws<WireSerializationException>(() => Wire.Serializer.Deserialize<Point>(hugeObject));

        // A varint longer than 64 bits.
        var longVarint = new byte[] { (byte)WireType.VarInt, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01 };
        Assert.Contains("overflows", Assert.Throws<WireSerializationException>(() => Wire.Serializer.Deserialize<long>(longVarint)).Message);

        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1_000_000, "forged lengths must not size allocations");
    }

    [Fact]
    public void Deeply_nested_payloads_fail_instead_of_overflowing_the_stack()
    {
        // object[] holding object[] holding … 100 000 levels deep.
        var nested = Wire.Build((ref WireWriter w) =>
        {
            for (var i = 0; i < 100_000; i++)
            {
                w.WriteByte((byte)WireType.Typed);
                w.WriteString("object[]");
                w.WriteByte((byte)WireType.Sequence);
                w.WriteVarUInt64(1);
                w.WriteByte(WireReader.TaggedElements);
            }
        });
        Assert.Contains("nest deeper", Assert.Throws<WireSerializationException>(() => Wire.Serializer.Deserialize<object>(nested)).Message);

        // The same depth inside a field the reader does not know, so it goes through skipping.
        var skipped = Wire.Build((ref WireWriter w) =>
        {
            w.WriteByte((byte)WireType.Object);
            w.WriteVarUInt64(1);
            w.WriteVarUInt64((99UL << 3) | (byte)WireType.Sequence);
            for (var i = 0; i < 100_000; i++)
            {
                w.WriteVarUInt64(1);
                w.WriteByte((byte)WireType.Sequence);
            }
        });
        Assert.Contains("nest deeper", Assert.Throws<WireSerializationException>(() => Wire.Serializer.Deserialize<PersonV1>(skipped)).Message);
    }

    [Fact]
    public void Wrong_wire_types_and_out_of_range_values_are_rejected()
    {
        var stringPayload = Wire.Serializer.SerializeToArray("text");
        Assert.Throws<WireSerializationException>(() => Wire.Serializer.Deserialize<int>(stringPayload));
        Assert.Throws<WireSerializationException>(() => Wire.Serializer.Deserialize<Point>(stringPayload));
        Assert.Throws<WireSerializationException>(() => Wire.Serializer.Deserialize<List<int>>(stringPayload));

        var big = Wire.Serializer.SerializeToArray(100_000L);
        Assert.Throws<WireSerializationException>(() => Wire.Serializer.Deserialize<short>(big));
        Assert.Throws<WireSerializationException>(() => Wire.Serializer.Deserialize<Permissions>(big));

        Assert.Throws<WireSerializationException>(() => Wire.Serializer.Deserialize<int>(Wire.Serializer.SerializeToArray<int?>(null)));
        Assert.Throws<WireSerializationException>(() => Wire.Serializer.Deserialize<bool>(Wire.Serializer.SerializeToArray(2)));

        var invalidUtf8 = new byte[] { (byte)WireType.LengthDelimited, 3, 0xC3, 0x28 };
        Assert.Throws<WireSerializationException>(() => Wire.Serializer.Deserialize<string>(invalidUtf8));
    }

    [Fact]
    public void Duplicate_dictionary_keys_are_rejected()
    {
        var payload = Wire.Build((ref WireWriter w) =>
        {
            w.WriteByte((byte)WireType.Sequence);
            w.WriteVarUInt64(4);
            w.WriteByte((byte)WireType.VarInt);
            w.WriteVarInt32(1);
            w.WriteVarInt32(10);
            w.WriteVarInt32(1);
            w.WriteVarInt32(20);
        });
        Assert.Contains("duplicate", Assert.Throws<WireSerializationException>(() => Wire.Serializer.Deserialize<Dictionary<int, int>>(payload)).Message);
    }
}
