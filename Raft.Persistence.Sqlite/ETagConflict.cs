namespace Raft.Runtime.Storage;

/// <summary>Builds the <see cref="InconsistentStateException"/> every provider throws on an ETag mismatch.</summary>
internal static class ETagConflict
{
    public static InconsistentStateException Create(string operation, string recordName, string? storedEtag, string? presentedEtag) =>
        new(
            $"Cannot {operation} '{recordName}': storage holds ETag {Show(storedEtag)} but the caller presented {Show(presentedEtag)}.",
            storedEtag,
            presentedEtag);

    private static string Show(string? etag) => etag is null ? "none (no record)" : $"'{etag}'";
}
