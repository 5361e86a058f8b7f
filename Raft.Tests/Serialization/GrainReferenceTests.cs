using Raft.Runtime;
using Raft.Runtime.Serialization;
using Xunit;

namespace Raft.Tests.Serialization;

public class GrainReferenceTests
{
    private readonly FakeReferenceConverter _converter = new();
    private readonly WireSerializer _serializer;

    public GrainReferenceTests() => _serializer = new WireSerializer(_converter);

    [Fact]
    public void References_round_trip_as_grain_id_and_interface()
    {
        var counter = new FakeCounterReference(new GrainId("counter", "c1"));
        var registration = new Registration("r", counter, [new FakeCounterReference(new GrainId("counter", "p1")), new FakeCounterReference(new GrainId("counter", "p2"))], counter);

        var copy = _serializer.Deserialize<Registration>(_serializer.SerializeToArray(registration));

        Assert.Equal(counter.Id, Assert.IsType<FakeCounterReference>(copy.Counter).Id);
        Assert.Equal(["p1", "p2"], copy.Peers.Select(p => ((FakeCounterReference)p).Id.Key));
        Assert.Equal(counter.Id, Assert.IsType<FakeCounterReference>(copy.Anything).Id);
        Assert.Equal(4, _converter.Created);
    }

    [Fact]
    public void A_null_reference_round_trips()
    {
        var copy = _serializer.Deserialize<Registration>(_serializer.SerializeToArray(new Registration("r", null, [], null)));
        Assert.Null(copy.Counter);
        Assert.Equal(0, _converter.Created);
    }

    [Fact]
    public void Without_a_converter_references_cannot_be_written_or_read()
    {
        var counter = new FakeCounterReference(new GrainId("counter", "c1"));
        var ex = Assert.Throws<WireSerializationException>(() => Wire.Serializer.SerializeToArray<ICounterGrain>(counter));
        Assert.Contains("IGrainReferenceConverter", ex.Message);

        var payload = _serializer.SerializeToArray<ICounterGrain>(counter);
        Assert.Contains("IGrainReferenceConverter", Assert.Throws<WireSerializationException>(() => Wire.Serializer.Deserialize<ICounterGrain>(payload)).Message);
    }

    [Fact]
    public void An_addressable_the_converter_does_not_know_is_refused()
    {
        Assert.Throws<WireSerializationException>(() => _serializer.SerializeToArray<ICounterGrain>(new NotAReference()));
        Assert.Throws<WireSerializationException>(() => _serializer.SerializeToArray<object>(new NotAReference()));
    }

    [Fact]
    public void A_reference_read_where_another_grain_interface_is_declared_is_refused()
    {
        var payload = _serializer.SerializeToArray<ICounterGrain>(new FakeCounterReference(new GrainId("counter", "c1")));
        Assert.Throws<WireSerializationException>(() => _serializer.Deserialize<IOtherGrain>(payload));
    }

    [Fact]
    public void A_reference_interface_tag_naming_a_non_grain_interface_is_refused()
    {
        var payload = Wire.Build((ref WireWriter w) =>
        {
            w.WriteByte((byte)WireType.Object);
            w.WriteVarUInt64(2);
            w.WriteVarUInt64((1 << 3) | (byte)WireType.Object);
            w.WriteVarUInt64(2);
            w.WriteVarUInt64((1 << 3) | (byte)WireType.LengthDelimited);
            w.WriteString("counter");
            w.WriteVarUInt64((2 << 3) | (byte)WireType.LengthDelimited);
            w.WriteString("c1");
            w.WriteVarUInt64((2 << 3) | (byte)WireType.LengthDelimited);
            w.WriteString("System.IDisposable");
        });
        var ex = Assert.Throws<WireSerializationException>(() => _serializer.Deserialize<ICounterGrain>(payload));
        Assert.Contains("not a grain interface", ex.Message);
        Assert.Equal(0, _converter.Created);
    }
}
