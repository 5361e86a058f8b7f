using Raft.Runtime;
using Raft.Runtime.Serialization;
using Xunit;

namespace Raft.Tests.Serialization;

public class ValidationTests
{
    [Fact]
    public void Validate_names_a_delegate_member()
    {
        var ex = Assert.Throws<WireSerializationException>(() => Wire.Serializer.Validate(typeof(HasCallback)));
        Assert.Contains("HasCallback.Callback", ex.Message);
        Assert.Contains("Func<int>", ex.Message);
        Assert.Contains("delegate", ex.Message);
    }

    [Fact]
    public void Validate_names_an_unmarked_class_member()
    {
        var ex = Assert.Throws<WireSerializationException>(() => Wire.Serializer.Validate(typeof(HasUnmarked)));
        Assert.Contains("HasUnmarked.Inner", ex.Message);
        Assert.Contains(nameof(NotMarked), ex.Message);
        Assert.Contains("[GenerateSerializer]", ex.Message);
    }

    [Fact]
    public void Validate_gives_the_full_member_path_through_collections()
    {
        var ex = Assert.Throws<WireSerializationException>(() => Wire.Serializer.Validate(typeof(OuterWithCallbacks)));
        Assert.Contains("OuterWithCallbacks.Items[].Callback", ex.Message);
        var dictionary = Assert.Throws<WireSerializationException>(() => Wire.Serializer.Validate(typeof(Dictionary<string, List<Action>>)));
        Assert.Contains("[value][]", dictionary.Message);
    }

    [Fact]
    public void Validate_rejects_unsupported_top_level_types()
    {
        Assert.Throws<WireSerializationException>(() => Wire.Serializer.Validate(typeof(NotMarked)));
        Assert.Throws<WireSerializationException>(() => Wire.Serializer.Validate(typeof(int[,])));
        Assert.Throws<WireSerializationException>(() => Wire.Serializer.Validate(typeof(HashSet<int>)));
        Assert.Throws<WireSerializationException>(() => Wire.Serializer.Validate(typeof(Stream)));
        Assert.Contains("share id 1", Assert.Throws<WireSerializationException>(() => Wire.Serializer.Validate(typeof(DuplicateIds))).Message);
    }

    [Fact]
    public void Validate_accepts_every_supported_kind()
    {
        foreach (var type in new[]
        {
            typeof(AllPrimitives), typeof(Collections), typeof(Drawing), typeof(Polyline), typeof(TreeNode), typeof(MutableBag),
            typeof(MutableStruct), typeof(ExplicitIds), typeof(ParameterIds), typeof(PersonV2), typeof(Failure), typeof(Registration),
            typeof(object), typeof(Shape), typeof(GrainId), typeof(Exception), typeof(ICounterGrain), typeof((int, string)),
        })
        {
            Wire.Serializer.Validate(type);
        }
    }

    [Fact]
    public void Validate_rejects_a_type_that_would_silently_drop_its_settable_members()
    {
        var ex = Assert.Throws<WireSerializationException>(() => Wire.Serializer.Validate(typeof(ForgottenIds)));
        Assert.Contains("'X'", ex.Message);
        Assert.Contains("[Id(n)]", ex.Message);
        Wire.Serializer.Validate(typeof(Ping));
    }

    [Fact]
    public void A_failed_type_is_not_cached_and_fails_again_with_its_own_path()
    {
        Assert.Throws<WireSerializationException>(() => Wire.Serializer.Validate(typeof(HasCallback)));
        var again = Assert.Throws<WireSerializationException>(() => Wire.Serializer.Validate(typeof(List<HasCallback>)));
        Assert.Contains("List<HasCallback>[].Callback", again.Message);
    }
}

public class TypeTagSecurityTests
{
    private static byte[] TypedPayload(string tag) => Wire.Build((ref WireWriter w) =>
    {
        w.WriteByte((byte)WireType.Typed);
        w.WriteString(tag);
        w.WriteByte((byte)WireType.Object);
        w.WriteVarUInt64(0);
    });

    [Theory]
    [InlineData("System.IO.FileInfo")]
    [InlineData("System.Text.StringBuilder")]
    [InlineData("System.Action")]
    [InlineData("System.Object")]
    [InlineData("object")]
    [InlineData("List<System.Text.StringBuilder>")]
    [InlineData("Raft.Tests.Serialization.NotMarked")]
    [InlineData("Raft.Tests.Serialization.Dangerous")]
    [InlineData("Raft.Tests.Serialization.Shape")]
    [InlineData("Raft.Tests.Serialization.ICounterGrain")]
    [InlineData("System.Int32*")]
    [InlineData("System.String, System.Private.CoreLib")]
    public void Tag_naming_a_non_serializable_type_is_refused(string tag)
    {
        var ex = Assert.Throws<WireSerializationException>(() => Wire.Serializer.Deserialize<object>(TypedPayload(tag)));
        Assert.Contains(tag.Split(',', '*')[0], ex.Message);
        Assert.Equal(0, Dangerous.Created);
    }

    [Fact]
    public void Unknown_tag_is_reported_with_the_tag()
    {
        var ex = Assert.Throws<WireSerializationException>(() => Wire.Serializer.Deserialize<object>(TypedPayload("No.Such.Type")));
        Assert.Contains("No.Such.Type", ex.Message);
        Assert.Contains("Unknown type tag", ex.Message);
    }

    [Fact]
    public void Tag_naming_a_type_not_assignable_to_the_declared_type_is_refused()
    {
        var payload = Wire.Serializer.SerializeToArray<object>(new Point(1, 2));
        var ex = Assert.Throws<WireSerializationException>(() => Wire.Serializer.Deserialize<Shape>(payload));
        Assert.Contains("not a Shape", ex.Message);
    }

    [Fact]
    public void Malformed_tags_are_rejected()
    {
        foreach (var tag in new[] { "", "List<int", "List<int>>", "int[", "Dictionary<int>", "a<b<c<d<e<f<g<h<i<j<int>>>>>>>>>>", new string('x', 600) })
        {
            Assert.Throws<WireSerializationException>(() => Wire.Serializer.Deserialize<object>(TypedPayload(tag)));
        }
    }
}
