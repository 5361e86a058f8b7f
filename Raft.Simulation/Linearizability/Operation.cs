namespace Raft.Simulation.Linearizability;

/// <summary>
/// One client operation of a history: what was asked, what came back, and the real-time interval in which it
/// happened. <paramref name="Call"/> is taken before the request leaves the client and <paramref name="Return"/>
/// after the reply arrived, both from one monotonic clock (Stopwatch / TimeProvider timestamps; the unit does
/// not matter, only the order). The checker treats equal timestamps as overlapping (calls sort before returns).
/// </summary>
/// <remarks>
/// <para>Porcupine records completed operations only. An operation whose outcome is unknown (the client gave up
/// after a timeout, or was stopped mid-call) may or may not have taken effect, so dropping it can turn a
/// correct history into an illegal one (a later read observes a write that "never happened"). Record it
/// instead with <c>Return = <see cref="long.MaxValue"/></c> (see <see cref="UnknownReturn"/>) and an output the
/// model accepts as "anything" (<see cref="KvOutput.Unknown"/>, <see cref="VersionedKvOutput.Unknown"/>): with an
/// unbounded interval the checker may place it at its true point if it took effect, or after every other
/// operation, where it is unobservable, if it did not. <see cref="HistoryRecorder{TInput, TOutput}.EndUnknown"/>
/// does exactly this.</para>
/// <para>The record is immutable; the checker never mutates inputs or outputs.</para>
/// </remarks>
public sealed record Operation<TInput, TOutput>(int ClientId, TInput Input, long Call, TOutput Output, long Return)
{
    /// <summary>The return timestamp of an operation whose outcome is unknown: it may take effect at any time after its call.</summary>
    public const long UnknownReturn = long.MaxValue;

    /// <summary>True when <see cref="Return"/> is <see cref="UnknownReturn"/>.</summary>
    public bool HasUnknownReturn => Return == UnknownReturn;
}
