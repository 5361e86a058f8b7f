using Orleans.Storage;

namespace Raft.Persistence.Sqlite;

/// <summary>
/// Builds the Orleans <see cref="InconsistentStateException"/> thrown on an ETag mismatch, with the stored and the
/// presented ETag (null when there is no record, or when the caller said "must not exist"). Orleans deactivates an
/// activation that lets it escape a grain method.
/// </summary>
internal static class ETagConflict
{
    public static InconsistentStateException Create(string operation, string recordName, string? storedEtag, string? presentedEtag) =>
        new(
            $"Cannot {operation} '{recordName}': storage holds ETag {Show(storedEtag)} but the caller presented {Show(presentedEtag)}.",
            storedEtag!,
            presentedEtag!);

    private static string Show(string? etag) => etag is null ? "none (no record)" : $"'{etag}'";
}
