using Xunit;

namespace Raft.Tests.Storage;

/// <summary>A grain state with fields and properties, a collection and a blob, as the contract tests store it.</summary>
public sealed class StorageTestState
{
    public string? Name;

    public long Count;

    public List<string> Items { get; set; } = new();

    public byte[]? Blob { get; set; }

    public static StorageTestState Sample(string name, long count) => new()
    {
        Name = name,
        Count = count,
        Items = { $"{name}-a", $"{name}-b" },
        Blob = [1, 2, 3, (byte)count],
    };

    public void AssertEqual(StorageTestState actual)
    {
        Assert.Equal(Name, actual.Name);
        Assert.Equal(Count, actual.Count);
        Assert.Equal(Items, actual.Items);
        Assert.Equal(Blob, actual.Blob);
    }
}
