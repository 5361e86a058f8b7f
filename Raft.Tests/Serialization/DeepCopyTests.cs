using Raft.Runtime;
using Raft.Runtime.Serialization;
using Xunit;

namespace Raft.Tests.Serialization;

public class DeepCopyTests
{
    [Fact]
    public void Copies_are_equal_but_share_no_mutable_objects()
    {
        var original = new Polyline("p", [new Point(1, 2)], [new Point(3, 4)], new Dictionary<string, Point> { ["a"] = new Point(5, 6) });

        var copy = Wire.Serializer.DeepCopy(original);

        Assert.NotSame(original, copy);
        Assert.NotSame(original.Points, copy.Points);
        Assert.NotSame(original.Extra, copy.Extra);
        Assert.NotSame(original.Named, copy.Named);
        Assert.Equal(original.Points, copy.Points);
        Assert.Equal(original.Extra, copy.Extra);
        Assert.Equal(original.Named, copy.Named);

        copy.Points.Add(new Point(9, 9));
        Assert.Single(original.Points);
    }

    [Fact]
    public void Mutable_classes_are_copied()
    {
        var bag = new MutableBag { Number = 1 };
        bag.Items.Add(5);
        var copy = Wire.Serializer.DeepCopy(bag);
        Assert.NotSame(bag, copy);
        Assert.NotSame(bag.Items, copy.Items);
        Assert.Equal(bag.Items, copy.Items);
        Assert.Equal(bag.Key, copy.Key);

        var list = new List<object> { new List<int> { 1 } };
        var listCopy = Wire.Serializer.DeepCopy(list);
        Assert.NotSame(list[0], listCopy[0]);
        Assert.Equal(list[0], listCopy[0]);
    }

    [Fact]
    public void Polymorphic_values_keep_their_runtime_type()
    {
        Shape shape = new Triangle("t", 2);
        var copy = Wire.Serializer.DeepCopy(shape);
        Assert.NotSame(shape, copy);
        Assert.Equal(shape, Assert.IsType<Triangle>(copy));
    }

    [Fact]
    public void Immutable_values_are_returned_as_they_are()
    {
        var frozen = new FrozenConfig("f", 1);
        Assert.Same(frozen, Wire.Serializer.DeepCopy(frozen));
        var text = new string('x', 10);
        Assert.Same(text, Wire.Serializer.DeepCopy(text));
        object boxed = frozen;
        Assert.Same(boxed, Wire.Serializer.DeepCopy(boxed));
        Assert.Null(Wire.Serializer.DeepCopy<Polyline?>(null));
    }

    [Theory]
    [InlineData(typeof(int), true)]
    [InlineData(typeof(string), true)]
    [InlineData(typeof(Color), true)]
    [InlineData(typeof(GrainId), true)]
    [InlineData(typeof(Guid), true)]
    [InlineData(typeof(DateTimeOffset), true)]
    [InlineData(typeof(int?), true)]
    [InlineData(typeof(FrozenConfig), true)]
    [InlineData(typeof(Point), false)]
    [InlineData(typeof(byte[]), false)]
    [InlineData(typeof(List<int>), false)]
    [InlineData(typeof(object), false)]
    [InlineData(typeof(LogPosition), false)]
    public void IsShallowCopyable(Type type, bool expected)
    {
        Assert.Equal(expected, WireSerializer.IsShallowCopyable(type));
    }
}
