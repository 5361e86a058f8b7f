using Xunit;

namespace Raft.Tests.Serialization;

public class VersionToleranceTests
{
    [Fact]
    public void Older_reader_skips_fields_a_newer_writer_added()
    {
        var newer = new PersonV2("Ada", 36, [new Point(1, 2), new Point(3, 4)], "ada@example.org", new Line(new Point(0, 0), new Point(1, 1), "l"), 0.9);
        var payload = Wire.Serializer.SerializeToArray(newer);

        var older = Wire.Serializer.Deserialize<PersonV1>(payload);

        Assert.Equal(new PersonV1("Ada", 36), older);
    }

    [Fact]
    public void Newer_reader_leaves_fields_an_older_writer_lacked_at_their_defaults()
    {
        var payload = Wire.Serializer.SerializeToArray(new PersonV1("Bob", 40));

        var newer = Wire.Serializer.Deserialize<PersonV2>(payload);

        Assert.Equal("Bob", newer.Name);
        Assert.Equal(40, newer.Age);
        Assert.Null(newer.Addresses);
        Assert.Equal("none", newer.Email);
        Assert.Null(newer.Extra);
        Assert.Equal(0.5, newer.Score);
    }

    [Fact]
    public void Implicit_ids_tolerate_appended_constructor_parameters()
    {
        Assert.Equal(new CounterV1("c"), Wire.Serializer.Deserialize<CounterV1>(Wire.Serializer.SerializeToArray(new CounterV2("c", 99, Color.Blue))));
        Assert.Equal(new CounterV2("c", 7, Color.Green), Wire.Serializer.Deserialize<CounterV2>(Wire.Serializer.SerializeToArray(new CounterV1("c"))));
    }

    [Fact]
    public void Unknown_fields_are_skipped_inside_lists_and_nested_objects()
    {
        var payload = Wire.Serializer.SerializeToArray(new List<PersonV2> { new("a", 1, Email: "x"), new("b", 2, [new Point(5, 5)]) });
        var older = Wire.Serializer.Deserialize<List<PersonV1>>(payload);
        Assert.Equal([new PersonV1("a", 1), new PersonV1("b", 2)], older);
    }

    [Fact]
    public void Shared_alias_resolves_to_the_type_that_fits_the_declared_type()
    {
        // Both versions carry the alias "test.person"; under object the tag is ambiguous, so the reader refuses
        // rather than guessing. Under a declared type only one candidate fits.
        var payload = Wire.Serializer.SerializeToArray<object>(new PersonV2("a", 1));
        var ex = Assert.Throws<Raft.Runtime.Serialization.WireSerializationException>(() => Wire.Serializer.Deserialize<object>(payload));
        Assert.Contains("test.person", ex.Message);
    }
}
