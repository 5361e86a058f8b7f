using System.Runtime.CompilerServices;
using Raft.Runtime.Serialization;
using Xunit;

namespace Raft.Tests.Serialization;

public class ExceptionTests
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Exception Thrown(Func<Exception> create)
    {
        try
        {
            throw create();
        }
        catch (Exception ex)
        {
            return ex;
        }
    }

    public static TheoryData<Exception> KnownExceptions => new()
    {
        new TimeoutException("slow"),
        new InvalidOperationException("bad state"),
        new ArgumentException("bad arg", "name"),
        new OperationCanceledException("cancelled"),
        new KeyNotFoundException("missing"),
        new NotSupportedException("nope"),
    };

    [Theory]
    [MemberData(nameof(KnownExceptions))]
    public void Known_exceptions_are_recreated_with_message_and_remote_stack(Exception exception)
    {
        var thrown = Thrown(() => exception);

        var copy = Wire.RoundTrip(thrown);

        Assert.IsType(thrown.GetType(), copy);
        Assert.Equal(thrown.Message, copy!.Message);
        Assert.Contains(nameof(Thrown), copy.StackTrace);
    }

    [Fact]
    public void Other_exceptions_become_RemoteException()
    {
        var thrown = Thrown(() => new CustomFailureException("custom"));

        var copy = Assert.IsType<RemoteException>(Wire.RoundTrip(thrown));

        Assert.Equal(typeof(CustomFailureException).FullName, copy.OriginalType);
        Assert.Equal("custom", copy.Message);
        Assert.Contains(nameof(Thrown), copy.RemoteStackTrace);
        Assert.Contains(typeof(CustomFailureException).FullName!, copy.ToString());

        // A RemoteException passed on keeps the original type.
        var again = Assert.IsType<RemoteException>(Wire.RoundTrip<Exception>(copy));
        Assert.Equal(typeof(CustomFailureException).FullName, again.OriginalType);
        Assert.Contains(nameof(Thrown), again.RemoteStackTrace);
    }

    [Fact]
    public void Inner_exceptions_and_members_round_trip()
    {
        var failure = new Failure(
            new AggregateException("outer", new InvalidOperationException("inner")),
            new InvalidOperationException("specific", new TimeoutException("deeper")));

        var copy = Wire.RoundTrip(failure);

        var outer = Assert.IsType<RemoteException>(copy.Error);
        Assert.Equal(typeof(AggregateException).FullName, outer.OriginalType);
        Assert.Equal("inner", Assert.IsType<InvalidOperationException>(outer.InnerException).Message);
        Assert.Equal("specific", copy.Specific!.Message);
        Assert.Equal("deeper", Assert.IsType<TimeoutException>(copy.Specific.InnerException).Message);
        Assert.Null(Wire.RoundTrip(new Failure(null, null)).Error);
    }

    [Fact]
    public void Exceptions_round_trip_in_object()
    {
        var copy = Wire.RoundTrip<object>(new NotSupportedException("x"));
        Assert.Equal("x", Assert.IsType<NotSupportedException>(copy).Message);
    }

    [Fact]
    public void A_remote_exception_that_does_not_fit_the_declared_type_is_an_error()
    {
        var payload = Wire.Serializer.SerializeToArray<Exception>(new CustomFailureException("c"));
        Assert.Throws<WireSerializationException>(() => Wire.Serializer.Deserialize<InvalidOperationException>(payload));
    }
}
