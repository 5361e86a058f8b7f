using Orleans;
using Xunit;

namespace Raft.Tests.Storage;

/// <summary>
/// A grain state with fields and properties, a collection and a blob, as the contract tests store it. Serialized by
/// Orleans' binary serializer (the providers' default), hence [GenerateSerializer] and the member ids.
/// </summary>
[GenerateSerializer]
public sealed class StorageTestState
{
    [Id(0)]
    public string? Name;

    [Id(1)]
    public long Count;

    [Id(2)]
    public List<string> Items { get; set; } = new();

    [Id(3)]
    public byte[]? Blob { get; set; }

    public static StorageTestState Sample(string name, long count) => new()
    {
        Name = name,
        Count = count,
        Items = { $"{name}-a", $"{name}-b" },
        Blob = [1, 2, 3, (byte)count],
    };

    /// <summary>Checks a state read back (Orleans' IGrainState.State is nullable; a read record never is).</summary>
    public void AssertEqual(StorageTestState? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(Name, actual.Name);
        Assert.Equal(Count, actual.Count);
        Assert.Equal(Items, actual.Items);
        Assert.Equal(Blob, actual.Blob);
    }
}

/// <summary>A positional record state, as a Raft peer's hard state is, with no parameterless constructor.</summary>
[GenerateSerializer]
public sealed record HardStateRecord(long Term, string? VotedFor);
