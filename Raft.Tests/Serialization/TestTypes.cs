using System.Collections.Immutable;
using Raft.Runtime;
using Raft.Runtime.Serialization;
using Xunit;

namespace Raft.Tests.Serialization;

// Records with implicit ids (primary constructor parameters in order).

[GenerateSerializer]
public sealed record Point(int X, int Y);

[GenerateSerializer]
public sealed record Line(Point From, Point To, string? Label);

[GenerateSerializer]
public sealed record Polyline(string Name, List<Point> Points, Point[]? Extra, Dictionary<string, Point> Named);

[GenerateSerializer]
public sealed record TreeNode(string Value, List<TreeNode> Children);

[GenerateSerializer]
public readonly record struct LogPosition(long Term, long Index);

// Explicit ids.

[GenerateSerializer]
public sealed record ExplicitIds([property: Id(3)] string Name, [property: Id(1)] int Count)
{
    [Id(7)]
    public List<string>? Tags { get; init; }
}

[GenerateSerializer]
public sealed record ParameterIds([Id(5)] long Term, [Id(2)] string Leader);

/// <summary>Parameterless constructor: members are assigned, through private setters, readonly fields and backing fields too.</summary>
[GenerateSerializer]
public sealed class MutableBag
{
    [Id(2)]
    public readonly List<int> Items = [];

    [Id(3)]
    public double Ratio;

    [Id(0)]
    public int Number { get; set; }

    [Id(1)]
    public string? Text { get; private set; }

    [Id(4)]
    public Guid Key { get; } = Guid.NewGuid();

    public void SetText(string text) => Text = text;
}

[GenerateSerializer]
public struct MutableStruct
{
    [Id(0)]
    public int A;

    [Id(1)]
    public string? B { get; set; }
}

[GenerateSerializer]
public sealed record AllPrimitives(
    bool Bool, byte Byte, sbyte SByte, short Short, ushort UShort, int Int, uint UInt, long Long, ulong ULong,
    float Float, double Double, decimal Decimal, char Char, string? String, byte[]? Bytes, Guid Guid,
    TimeSpan TimeSpan, DateTime DateTime, DateTimeOffset DateTimeOffset, Color Color, Permissions Permissions, int? MaybeInt, LogPosition? MaybePosition);

[GenerateSerializer]
public sealed record Collections(
    int[] Array,
    List<string?> Strings,
    IList<int> IList,
    IReadOnlyList<Point> IReadOnlyList,
    IEnumerable<long> Enumerable,
    ImmutableArray<int> Immutable,
    Dictionary<string, int> Dictionary,
    IReadOnlyDictionary<int, Point> ReadOnlyDictionary,
    List<int?> NullableInts,
    List<List<int>> Nested,
    (int, string) Pair,
    (int, string, bool, double, long, Point, Color) Seven);

public enum Color
{
    Red,
    Green = 5,
    Blue = -3,
}

[Flags]
public enum Permissions : byte
{
    None = 0,
    Read = 1,
    Write = 2,
}

public enum Huge : ulong
{
    Max = ulong.MaxValue,
}

// Polymorphism and inheritance.

[GenerateSerializer]
public abstract record Shape(string Name);

[GenerateSerializer]
[Alias("test.circle")]
public sealed record Circle(string Name, double Radius) : Shape(Name);

[GenerateSerializer]
public sealed record Square(string Name, double Side) : Shape(Name);

/// <summary>Concrete but not sealed: written without a tag when exactly a Polygon, with one for a subclass.</summary>
[GenerateSerializer]
public record Polygon(string Name, int Sides) : Shape(Name);

/// <summary>Sides is not a constructor parameter here, so it is assigned after construction.</summary>
[GenerateSerializer]
public sealed record Triangle(string Name, double Area) : Polygon(Name, 3);

[GenerateSerializer]
public class Animal
{
    [Id(0)]
    public string? Name { get; set; }
}

/// <summary>Reuses id 0: each inheritance level has its own ids.</summary>
[GenerateSerializer]
public sealed class Dog : Animal
{
    [Id(0)]
    public bool GoodBoy { get; set; }
}

[GenerateSerializer]
public sealed record Drawing(Shape Main, List<Shape> Layers, object? Anything, IReadOnlyList<Shape> ReadOnly, Animal? Pet, Polygon? Polygon);

[GenerateSerializer]
public sealed class LinkedNode
{
    [Id(0)]
    public int Value { get; set; }

    [Id(1)]
    public LinkedNode? Next { get; set; }
}

// Versioning: two versions of one contract, sharing an alias.

[GenerateSerializer]
[Alias("test.person")]
public sealed record PersonV1([property: Id(0)] string Name, [property: Id(1)] int Age);

[GenerateSerializer]
[Alias("test.person")]
public sealed record PersonV2(
    [property: Id(0)] string Name,
    [property: Id(1)] int Age,
    [property: Id(2)] List<Point>? Addresses = null,
    [property: Id(3)] string Email = "none",
    [property: Id(4)] Line? Extra = null,
    [property: Id(5)] double Score = 0.5);

[GenerateSerializer]
[Alias("test.counter")]
public sealed record CounterV1(string Name);

[GenerateSerializer]
[Alias("test.counter")]
public sealed record CounterV2(string Name, long Count = 7, Color Color = Color.Green);

// Immutable.

[Immutable]
[GenerateSerializer]
public sealed record FrozenConfig(string Name, int Level);

// Exceptions.

[GenerateSerializer]
public sealed record Failure(Exception? Error, InvalidOperationException? Specific);

public sealed class CustomFailureException(string message) : Exception(message);

// Not serializable.

[GenerateSerializer]
public sealed class HasCallback
{
    [Id(0)]
    public int Value { get; set; }

    [Id(1)]
    public Func<int>? Callback { get; set; }
}

public sealed class NotMarked
{
    public int X { get; set; }
}

[GenerateSerializer]
public sealed record HasUnmarked(int Id, NotMarked Inner);

[GenerateSerializer]
public sealed record OuterWithCallbacks(string Name, List<HasCallback> Items);

[GenerateSerializer]
public sealed record DuplicateIds([property: Id(1)] int A, [property: Id(1)] int B);

/// <summary>Counts constructions, to prove a type tag naming it never creates one.</summary>
public sealed class Dangerous
{
    public Dangerous() => Interlocked.Increment(ref Created);

    public static int Created;
}

// Grain references.

public interface ICounterGrain : IGrainWithStringKey
{
}

public interface IOtherGrain : IGrainWithStringKey
{
}

public sealed class FakeCounterReference(GrainId id) : ICounterGrain
{
    public GrainId Id { get; } = id;
}

/// <summary>An activation-like object: addressable, but not a reference the converter knows.</summary>
public sealed class NotAReference : ICounterGrain
{
}

public sealed class FakeReferenceConverter : IGrainReferenceConverter
{
    public int Created;

    public bool TryGetGrainId(object reference, out GrainId id, out Type grainInterface)
    {
        if (reference is FakeCounterReference counter)
        {
            id = counter.Id;
            grainInterface = typeof(ICounterGrain);
            return true;
        }
        id = default;
        grainInterface = typeof(object);
        return false;
    }

    public object CreateReference(GrainId id, Type grainInterface)
    {
        Interlocked.Increment(ref Created);
        Assert.Equal(typeof(ICounterGrain), grainInterface);
        return new FakeCounterReference(id);
    }
}

[GenerateSerializer]
public sealed record Registration(string Name, ICounterGrain? Counter, List<ICounterGrain> Peers, object? Anything);

[GenerateSerializer]
public sealed record ForgottenIds
{
    public int X { get; init; }
}

[GenerateSerializer]
public sealed record Envelope<T>(T Body, int Version);

[GenerateSerializer]
public sealed record Ping;
