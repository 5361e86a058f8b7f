using Raft.Runtime.Serialization;
using Xunit;

namespace Raft.Tests.Serialization;

public class PolymorphismTests
{
    [Fact]
    public void Abstract_record_hierarchy_round_trips_in_object()
    {
        object[] shapes = [new Circle("c", 1.5), new Square("s", 2), new Polygon("p", 5), new Triangle("t", 0.5)];
        foreach (var shape in shapes)
        {
            var copy = Wire.RoundTrip<object>(shape);
            Assert.IsType(shape.GetType(), copy);
            Assert.Equal(shape, copy);
        }
    }

    [Fact]
    public void Abstract_record_hierarchy_round_trips_in_an_abstract_declared_type()
    {
        Shape[] shapes = [new Circle("c", 1.5), new Square("s", 2), new Polygon("p", 5), new Triangle("t", 0.5)];
        foreach (var shape in shapes)
        {
            var copy = Wire.RoundTrip(shape);
            Assert.IsType(shape.GetType(), copy);
            Assert.Equal(shape, copy);
        }
        var list = Wire.RoundTrip(new List<Shape>(shapes));
        Assert.Equal(shapes, list);
    }

    [Fact]
    public void Members_of_polymorphic_types_round_trip()
    {
        var drawing = new Drawing(
            new Circle("main", 3),
            [new Square("a", 1), new Circle("b", 2)],
            new List<object?> { 1, "two", new Point(3, 3), null, new Dictionary<string, object> { ["x"] = Color.Blue } },
            [new Triangle("t", 9)],
            new Dog { Name = "Rex", GoodBoy = true },
            new Triangle("poly", 1));

        var copy = Wire.RoundTrip(drawing);

        Assert.Equal(drawing.Main, copy.Main);
        Assert.Equal(drawing.Layers, copy.Layers);
        var anything = Assert.IsType<List<object?>>(copy.Anything);
        Assert.Equal(1, anything[0]);
        Assert.Equal("two", anything[1]);
        Assert.Equal(new Point(3, 3), anything[2]);
        Assert.Null(anything[3]);
        Assert.Equal(Color.Blue, Assert.IsType<Dictionary<string, object>>(anything[4])["x"]);
        Assert.Equal(drawing.ReadOnly, copy.ReadOnly);
        var dog = Assert.IsType<Dog>(copy.Pet);
        Assert.Equal("Rex", dog.Name);
        Assert.True(dog.GoodBoy);
        Assert.Equal(drawing.Polygon, Assert.IsType<Triangle>(copy.Polygon));
    }

    [Fact]
    public void A_value_of_exactly_the_declared_non_sealed_type_carries_no_tag()
    {
        var exact = Wire.Serializer.SerializeToArray(new Polygon("p", 4));
        Assert.Equal((byte)WireType.Object, exact[0]);
        var subclass = Wire.Serializer.SerializeToArray<Polygon>(new Triangle("t", 1));
        Assert.Equal((byte)WireType.Typed, subclass[0]);
        Assert.IsType<Animal>(Wire.RoundTrip(new Animal { Name = "a" }));
    }

    [Fact]
    public void Alias_is_used_as_the_tag_and_full_name_otherwise()
    {
        var circle = Wire.Serializer.SerializeToArray<Shape>(new Circle("c", 1));
        Assert.Contains("test.circle", System.Text.Encoding.UTF8.GetString(circle));
        var square = Wire.Serializer.SerializeToArray<Shape>(new Square("s", 1));
        Assert.Contains(typeof(Square).FullName!, System.Text.Encoding.UTF8.GetString(square));
    }

    [Fact]
    public void Collections_and_arrays_round_trip_in_object()
    {
        Assert.Equal(new[] { 1, 2 }, Wire.RoundTrip<object>(new[] { 1, 2 }));
        Assert.Equal(new List<Shape> { new Circle("c", 1) }, Wire.RoundTrip<object>(new List<Shape> { new Circle("c", 1) }));
        Assert.Equal(new int[][] { [1], [2, 3] }, Wire.RoundTrip<object>(new int[][] { [1], [2, 3] }));
        Assert.Equal((1, "x"), Wire.RoundTrip<object>((1, "x")));
        Assert.Equal(new KeyValuePair<string, int>("k", 1), Wire.RoundTrip<object>(new KeyValuePair<string, int>("k", 1)));
        Assert.Equal(new Dictionary<Color, List<Point>> { [Color.Red] = [new Point(1, 1)] }[Color.Red],
            Assert.IsType<Dictionary<Color, List<Point>>>(Wire.RoundTrip<object>(new Dictionary<Color, List<Point>> { [Color.Red] = [new Point(1, 1)] }))[Color.Red]);
    }

    [Fact]
    public void Generic_user_types_round_trip_in_object()
    {
        var envelope = new Envelope<Point>(new Point(1, 2), 3);
        Assert.Equal(envelope, Wire.RoundTrip<object>(envelope));
        var shapes = new Envelope<List<Shape>>([new Circle("c", 1)], 1);
        var copy = Assert.IsType<Envelope<List<Shape>>>(Wire.RoundTrip<object>(shapes));
        Assert.Equal(shapes.Body, copy.Body);
        Assert.IsType<Ping>(Wire.RoundTrip<object>(new Ping()));
    }

    [Fact]
    public void Unsupported_runtime_type_in_object_fails_on_write_naming_it()
    {
        var ex = Assert.Throws<WireSerializationException>(() => Wire.Serializer.SerializeToArray<object>(new NotMarked()));
        Assert.Contains(nameof(NotMarked), ex.Message);
        Assert.Throws<WireSerializationException>(() => Wire.Serializer.SerializeToArray<object>(new object()));
    }

    [Fact]
    public void Cyclic_graph_fails_cleanly_on_write()
    {
        var node = new LinkedNode { Value = 1 };
        node.Next = node;
        var ex = Assert.Throws<WireSerializationException>(() => Wire.Serializer.SerializeToArray(node));
        Assert.Contains("nest deeper", ex.Message);
    }
}
