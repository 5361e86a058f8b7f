using System.Globalization;

namespace Raft.Benchmarks.Failover;

/// <summary>
/// One client of the failover benchmark: appends its sequence numbers ("0,1,2,...") to its own keys, one operation at
/// a time, moving to a new key every <see cref="AppendsPerKey"/> appends so that values stay small. Appends, not puts,
/// so that a lost acknowledged write shows at the end as a missing number, even if later writes to the key succeeded.
/// Records when each acknowledgment arrived and which server answered it.
/// </summary>
internal sealed class AppendWriter(int id, Func<IAppendSession> newSession, int appendsPerKey)
{
    private readonly List<long> _ackedAtMicros = [];
    private readonly List<byte> _ackedBy = [];
    private readonly List<long> _failedAtMicros = [];
    // Per sequence number: true once acknowledged; false while in flight, or when its outcome is unknown (timed out).
    private readonly List<bool> _acked = [];
    private readonly List<IAppendSession> _sessions = [];

    public int AppendsPerKey => appendsPerKey;

    /// <summary>Acknowledgment times (µs since the Unix epoch, ascending) and the index in the peer list of the server that answered.</summary>
    public IReadOnlyList<long> AckedAtMicros => _ackedAtMicros;

    public IReadOnlyList<byte> AckedBy => _ackedBy;

    /// <summary>When operations failed (timed out: outcome unknown), µs since the Unix epoch.</summary>
    public IReadOnlyList<long> FailedAtMicros => _failedAtMicros;

    /// <summary>Every attempt of every session this writer used; read only after it stopped.</summary>
    public IEnumerable<ClientAttempt> Attempts => _sessions.SelectMany(s => s.Attempts);

    /// <summary>How many appends were attempted; sequence numbers are 0 to Attempted - 1.</summary>
    public int Attempted => _acked.Count;

    public long Acknowledged { get; private set; }

    public bool IsAcked(int sequence) => _acked[sequence];

    public string KeyOf(int sequence) => Key(sequence / appendsPerKey);

    public string Key(int keyIndex) => string.Create(CultureInfo.InvariantCulture, $"fo/{id}/{keyIndex}");

    public int KeyCount => (Attempted + appendsPerKey - 1) / appendsPerKey;

    public async Task RunAsync(MicrosecondClock clock, CancellationToken stop)
    {
        var session = NewSession();
        while (!stop.IsCancellationRequested)
        {
            var sequence = _acked.Count;
            _acked.Add(false);
            try
            {
                var answeredBy = await session.AppendAsync(KeyOf(sequence), sequence, stop);
                _ackedAtMicros.Add(clock.NowMicros());
                _acked[sequence] = true;
                _ackedBy.Add((byte)Math.Max(0, answeredBy));
                Acknowledged++;
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return; // the last append's outcome is unknown; verification allows it
            }
            catch (AppendOutcomeUnknownException exception)
            {
                // The number may or may not show up in the value; verification allows both.
                _failedAtMicros.Add(clock.NowMicros());
                if (exception.SessionLost)
                {
                    session = NewSession();
                }
            }
        }
    }

    private IAppendSession NewSession()
    {
        var session = newSession();
        _sessions.Add(session);
        return session;
    }
}
