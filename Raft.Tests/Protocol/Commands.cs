using System.Text;
using Raft.Grains.Interfaces;
using Raft.Grains.Protocol;

namespace Raft.Tests.Protocol;

internal static class Commands
{
    public static byte[] Of(string text) => Encoding.UTF8.GetBytes(text);

    public static string Text(byte[] command) => Encoding.UTF8.GetString(command);

    /// <summary>Entries 1..n with the given terms; each command names its index and term so mismatches are readable.</summary>
    public static LogEntry[] EntriesWithTerms(params long[] terms) =>
        terms.Select((term, i) => new LogEntry(i + 1, term, Of($"{i + 1}@{term}"))).ToArray();

    public static long[] Terms(IReadOnlyRaftLog log) =>
        Enumerable.Range((int)log.FirstIndex, log.Count).Select(index => log.EntryAt(index).Term).ToArray();

    /// <summary>A peer restored with <paramref name="currentTerm"/> and a log whose entry i has term entryTerms[i - 1].</summary>
    public static RaftNode NodeWithLog(string id, string[] members, long currentTerm, params long[] entryTerms) =>
        RaftNode.Restore(id, members, new DurableState(new HardState(currentTerm, null), null, EntriesWithTerms(entryTerms)));
}
