using System.Collections.Immutable;
using Raft.Runtime;
using Raft.Runtime.Serialization;
using Xunit;

namespace Raft.Tests.Serialization;

public class RoundTripTests
{
    public static TheoryData<object?, Type> Scalars => new()
    {
        { true, typeof(bool) },
        { false, typeof(bool) },
        { byte.MaxValue, typeof(byte) },
        { sbyte.MinValue, typeof(sbyte) },
        { short.MinValue, typeof(short) },
        { ushort.MaxValue, typeof(ushort) },
        { int.MinValue, typeof(int) },
        { int.MaxValue, typeof(int) },
        { -1, typeof(int) },
        { uint.MaxValue, typeof(uint) },
        { long.MinValue, typeof(long) },
        { long.MaxValue, typeof(long) },
        { ulong.MaxValue, typeof(ulong) },
        { float.NaN, typeof(float) },
        { -1.5f, typeof(float) },
        { double.Epsilon, typeof(double) },
        { double.NegativeInfinity, typeof(double) },
        { 79228162514264337593543950335m, typeof(decimal) },
        { -0.000000001m, typeof(decimal) },
        { 'é', typeof(char) },
        { '\uffff', typeof(char) },
        { "", typeof(string) },
        { null, typeof(string) },
        { "héllo wörld — 日本語 🎉", typeof(string) },
        { Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e"), typeof(Guid) },
        { TimeSpan.FromMilliseconds(-1234.5678), typeof(TimeSpan) },
        { TimeSpan.MaxValue, typeof(TimeSpan) },
        { new DateTime(2026, 11, 21, 22, 9, 25, 123, DateTimeKind.Utc), typeof(DateTime) },
        { new DateTime(2001, 2, 3, 4, 5, 6, DateTimeKind.Unspecified), typeof(DateTime) },
        { DateTime.MaxValue, typeof(DateTime) },
        { new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.FromHours(-7.5)), typeof(DateTimeOffset) },
        { Color.Blue, typeof(Color) },
        { (Color)42, typeof(Color) },
        { Permissions.Read | Permissions.Write, typeof(Permissions) },
        { Huge.Max, typeof(Huge) },
        { 5, typeof(int?) },
        { null, typeof(int?) },
        { new GrainId("counter", "a/b"), typeof(GrainId) },
        { new LogPosition(3, 17), typeof(LogPosition) },
        { new LogPosition(3, 17), typeof(LogPosition?) },
        { null, typeof(LogPosition?) },
    };

    [Theory]
    [MemberData(nameof(Scalars))]
    public void Scalar_round_trips_through_the_declared_type(object? value, Type declaredType)
    {
        Assert.Equal(value, Wire.RoundTripBoxed(value, declaredType));
    }

    [Theory]
    [MemberData(nameof(Scalars))]
    public void Scalar_round_trips_through_object(object? value, Type declaredType)
    {
        _ = declaredType;
        Assert.Equal(value, Wire.RoundTripBoxed(value, typeof(object)));
    }

    [Fact]
    public void DateTime_keeps_its_kind()
    {
        var utc = Wire.RoundTrip(new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        Assert.Equal(DateTimeKind.Utc, utc.Kind);
        var local = DateTime.Now;
        Assert.Equal(local, Wire.RoundTrip(local));
        Assert.Equal(DateTimeKind.Local, Wire.RoundTrip(local).Kind);
    }

    [Fact]
    public void DateTimeOffset_keeps_its_offset()
    {
        var value = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.FromMinutes(345));
        var copy = Wire.RoundTrip(value);
        Assert.Equal(value.Offset, copy.Offset);
        Assert.Equal(value.Ticks, copy.Ticks);
    }

    [Fact]
    public void All_primitives_in_a_record_round_trip()
    {
        var value = new AllPrimitives(
            true, 200, -100, -30000, 60000, -123456789, 4000000000, long.MinValue, ulong.MaxValue,
            3.25f, Math.PI, 12345.6789m, 'ß', "naïve 漢字", [1, 2, 3], Guid.NewGuid(),
            TimeSpan.FromDays(-3), DateTime.UtcNow, DateTimeOffset.Now, Color.Green, Permissions.Write, null, new LogPosition(1, 2));
        var copy = Wire.RoundTrip(value);
        Assert.Equal(value.Bytes, copy.Bytes);
        Assert.Equal(value with { Bytes = copy.Bytes }, copy);
    }

    [Fact]
    public void Strings_distinguish_null_from_empty()
    {
        Assert.Null(Wire.RoundTrip<string?>(null));
        Assert.Equal("", Wire.RoundTrip(""));
        var strings = Wire.RoundTrip(new List<string?> { null, "", "x", null });
        Assert.Equal([null, "", "x", null], strings);
    }

    [Fact]
    public void Byte_arrays_distinguish_null_from_empty_and_carry_100_KB()
    {
        Assert.Null(Wire.RoundTrip<byte[]?>(null));
        Assert.Empty(Wire.RoundTrip(Array.Empty<byte>())!);
        var large = new byte[100 * 1024];
        new Random(7).NextBytes(large);
        var payload = Wire.Serializer.SerializeToArray(large);
        Assert.InRange(payload.Length, large.Length, large.Length + 8);
        Assert.Equal(large, Wire.Serializer.Deserialize<byte[]>(payload));
    }

    [Fact]
    public void Long_non_ascii_string_round_trips()
    {
        var text = string.Concat(Enumerable.Repeat("Ωmega ∑ 🎉 ", 20_000));
        Assert.Equal(text, Wire.RoundTrip(text));
    }

    [Fact]
    public void Collections_round_trip_and_read_interfaces_back_as_lists()
    {
        var value = new Collections(
            [1, -2, 3],
            ["a", null, ""],
            new[] { 4, 5 },
            [new Point(1, 2), new Point(3, 4)],
            Enumerable.Range(0, 3).Select(i => (long)i * 1000),
            [7, 8, 9],
            new() { ["one"] = 1, ["two"] = 2 },
            new Dictionary<int, Point> { [1] = new Point(0, 0) },
            [1, null, 3],
            [[1], [], [2, 3]],
            (42, "answer"),
            (1, "two", true, 4.5, 5L, new Point(6, 6), Color.Red));

        var copy = Wire.RoundTrip(value);

        Assert.Equal(value.Array, copy.Array);
        Assert.Equal(value.Strings, copy.Strings);
        Assert.Equal([4, 5], copy.IList);
        Assert.IsType<List<int>>(copy.IList);
        Assert.Equal(value.IReadOnlyList, copy.IReadOnlyList);
        Assert.IsType<List<Point>>(copy.IReadOnlyList);
        Assert.Equal([0L, 1000L, 2000L], copy.Enumerable);
        Assert.Equal([7, 8, 9], copy.Immutable.ToArray());
        Assert.Equal(value.Dictionary, copy.Dictionary);
        Assert.Equal(value.ReadOnlyDictionary, copy.ReadOnlyDictionary);
        Assert.IsType<Dictionary<int, Point>>(copy.ReadOnlyDictionary);
        Assert.Equal(value.NullableInts, copy.NullableInts);
        Assert.Equal(3, copy.Nested.Count);
        Assert.Equal(value.Nested[2], copy.Nested[2]);
        Assert.Empty(copy.Nested[1]);
        Assert.Equal(value.Pair, copy.Pair);
        Assert.Equal(value.Seven, copy.Seven);
    }

    [Fact]
    public void Null_and_empty_collections_stay_distinct()
    {
        Assert.Null(Wire.RoundTrip<List<int>?>(null));
        Assert.Empty(Wire.RoundTrip(new List<int>()));
        Assert.Null(Wire.RoundTrip<int[]?>(null));
        Assert.Empty(Wire.RoundTrip(Array.Empty<int>()));
        Assert.Null(Wire.RoundTrip<Dictionary<string, int>?>(null));
        Assert.Empty(Wire.RoundTrip(new Dictionary<string, int>()));
        Assert.True(Wire.RoundTrip(default(ImmutableArray<int>)).IsDefault);
        var empty = Wire.RoundTrip(ImmutableArray<int>.Empty);
        Assert.False(empty.IsDefault);
        Assert.Empty(empty);
    }

    [Fact]
    public void Nested_records_and_lists_of_records_round_trip()
    {
        var value = new Polyline(
            "route",
            [new Point(1, 2), new Point(-3, 4)],
            null,
            new Dictionary<string, Point> { ["start"] = new Point(0, 0) });
        var copy = Wire.RoundTrip(value);
        Assert.Equal(value.Name, copy.Name);
        Assert.Equal(value.Points, copy.Points);
        Assert.Null(copy.Extra);
        Assert.Equal(value.Named, copy.Named);

        var line = new Line(new Point(1, 1), new Point(2, 2), null);
        Assert.Equal(line, Wire.RoundTrip(line));
    }

    [Fact]
    public void Recursive_types_round_trip()
    {
        var tree = new TreeNode("root", [new TreeNode("a", []), new TreeNode("b", [new TreeNode("c", [])])]);
        var copy = Wire.RoundTrip(tree);
        Assert.Equal("c", copy.Children[1].Children[0].Value);
        Assert.Empty(copy.Children[0].Children);

        var list = new LinkedNode { Value = 1, Next = new LinkedNode { Value = 2, Next = new LinkedNode { Value = 3 } } };
        var listCopy = Wire.RoundTrip(list);
        Assert.Equal(3, listCopy.Next!.Next!.Value);
        Assert.Null(listCopy.Next.Next.Next);
    }

    [Fact]
    public void Explicit_ids_on_properties_and_parameters_round_trip()
    {
        var explicitIds = new ExplicitIds("n", 3) { Tags = ["x", "y"] };
        var copy = Wire.RoundTrip(explicitIds);
        Assert.Equal("n", copy.Name);
        Assert.Equal(3, copy.Count);
        Assert.Equal(["x", "y"], copy.Tags!);

        Assert.Equal(new ParameterIds(9, "peer-2"), Wire.RoundTrip(new ParameterIds(9, "peer-2")));
    }

    [Fact]
    public void Mutable_class_members_are_assigned_through_setters_and_fields()
    {
        var bag = new MutableBag { Number = 4, Ratio = 0.25 };
        bag.SetText("text");
        bag.Items.AddRange([1, 2, 3]);
        var copy = Wire.RoundTrip(bag);
        Assert.Equal(4, copy.Number);
        Assert.Equal("text", copy.Text);
        Assert.Equal([1, 2, 3], copy.Items);
        Assert.Equal(0.25, copy.Ratio);
        Assert.Equal(bag.Key, copy.Key);
    }

    [Fact]
    public void Structs_round_trip_and_pack_in_arrays()
    {
        var value = new MutableStruct { A = 5, B = "b" };
        var copy = Wire.RoundTrip(value);
        Assert.Equal(5, copy.A);
        Assert.Equal("b", copy.B);
        var positions = new[] { new LogPosition(1, 1), new LogPosition(1, 2), new LogPosition(2, 3) };
        Assert.Equal(positions, Wire.RoundTrip(positions));
    }

    [Fact]
    public void Inherited_members_are_included_with_per_level_ids()
    {
        var dog = new Dog { Name = "Rex", GoodBoy = true };
        var copy = Wire.RoundTrip(dog);
        Assert.Equal("Rex", copy.Name);
        Assert.True(copy.GoodBoy);

        var triangle = new Triangle("t", 1.5);
        var triangleCopy = Wire.RoundTrip(triangle);
        Assert.Equal(triangle, triangleCopy);
        Assert.Equal(3, triangleCopy.Sides);
    }

    [Fact]
    public void Exact_wire_bytes_of_a_small_record_and_a_packed_list()
    {
        // Object, 2 fields; field 1 VarInt zigzag(1) = 2; field 2 VarInt zigzag(2) = 4.
        Assert.Equal([0x04, 0x02, 0x08, 0x02, 0x10, 0x04], Wire.Serializer.SerializeToArray(new Point(1, 2)));
        // Sequence, 3 elements, packed VarInt.
        Assert.Equal([0x05, 0x03, 0x00, 0x02, 0x04, 0x06], Wire.Serializer.SerializeToArray(new List<int> { 1, 2, 3 }));
        // Derived level: field 0 holds the base level.
        var square = Wire.Serializer.SerializeToArray<Shape>(new Square("s", 2));
        Assert.Equal((byte)WireType.Typed, square[0]);
    }

    [Fact]
    public void Writer_and_reader_carry_several_values_in_one_buffer()
    {
        var payload = Wire.Build((ref WireWriter writer) =>
        {
            Wire.Serializer.Serialize(ref writer, "first", typeof(string));
            Wire.Serializer.Serialize(ref writer, new Point(5, 6));
            Wire.Serializer.Serialize(ref writer, 7, typeof(object));
        });
        var reader = new WireReader(payload);
        Assert.Equal("first", Wire.Serializer.Deserialize(ref reader, typeof(string)));
        Assert.Equal(new Point(5, 6), Wire.Serializer.Deserialize<Point>(ref reader));
        Assert.Equal(7, Wire.Serializer.Deserialize(ref reader, typeof(object)));
        Assert.True(reader.End);
    }

    [Fact]
    public void Concurrent_first_use_builds_consistent_codecs()
    {
        Parallel.For(0, 64, i =>
        {
            var value = new Polyline($"p{i}", [new Point(i, -i)], [new Point(1, 1)], new Dictionary<string, Point> { ["k"] = new Point(i, i) });
            var copy = Wire.RoundTrip(value);
            Assert.Equal(value.Points, copy.Points);
            Assert.Equal(value.Named, copy.Named);
            Assert.Equal(i, Wire.RoundTrip<object>(new Square("s", i)) is Square s ? (int)s.Side : -1);
        });
    }
}
