using Raft.Grains.Interfaces;

namespace Raft.Client;

/// <summary>
/// A linearizable key-value client with a session: it finds the leader, retries on a wrong leader, a lost
/// message or a timeout until the operation's deadline, and numbers its requests so that a retried request
/// applies at most once. One operation at a time per client (a session is sequential); use several clients
/// for concurrency.
/// </summary>
public sealed class KeyValueClient
{
    private readonly IKeyValueTransport transport;
    private readonly KeyValueClientOptions options;
    private readonly TimeProvider time;
    private readonly SemaphoreSlim oneAtATime = new(1, 1);
    private long clientId;
    private long sequence;
    private int leader;
    // Smoothed time of this client's answered attempts (TCP's SRTT weighting, 1/8 for each new sample).
    private TimeSpan smoothedAnswerTime;

    /// <summary>A client that calls the peers' key-value grains through <paramref name="grains"/>.</summary>
    public KeyValueClient(IGrainFactory grains, KeyValueClientOptions? options = null, TimeProvider? time = null)
        : this(new GrainKeyValueTransport(grains, time), options, time)
    {
    }

    /// <summary>A client over any transport (a simulated network in tests).</summary>
    public KeyValueClient(IKeyValueTransport transport, KeyValueClientOptions? options = null, TimeProvider? time = null)
    {
        this.transport = transport;
        this.options = options ?? new KeyValueClientOptions();
        if (this.options.Peers.Count == 0)
        {
            throw new ArgumentException("At least one peer id is required.", nameof(options));
        }
        if (this.options.AttemptTimeout <= TimeSpan.Zero || this.options.OperationDeadline <= TimeSpan.Zero)
        {
            throw new ArgumentException("AttemptTimeout and OperationDeadline must be positive.", nameof(options));
        }
        if (this.options.ProbeOthersAfter <= TimeSpan.Zero && this.options.ProbeOthersAfter != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentException("ProbeOthersAfter must be positive, or Timeout.InfiniteTimeSpan for one peer at a time.", nameof(options));
        }
        this.time = time ?? TimeProvider.System;
    }

    /// <summary>The session's client id (0 until the first operation opened the session).</summary>
    public long ClientId => clientId;

    /// <summary>The peer id this client currently believes leads the group.</summary>
    public string LeaderPeer => options.Peers[leader];

    public async Task<(string? Value, long Version)> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        var response = await ExecuteAsync(new KvGet(key), cancellationToken);
        return response.Status == KvStatus.NoKey ? (null, 0) : (response.Value, response.Version);
    }

    /// <returns>The key's new version.</returns>
    public async Task<long> PutAsync(string key, string value, CancellationToken cancellationToken = default) =>
        (await ExecuteAsync(new KvPut(key, value), cancellationToken)).Version;

    /// <returns>The key's new value and version.</returns>
    public async Task<(string Value, long Version)> AppendAsync(string key, string value, CancellationToken cancellationToken = default)
    {
        var response = await ExecuteAsync(new KvAppend(key, value), cancellationToken);
        return (response.Value ?? "", response.Version);
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken = default) => ExecuteAsync(new KvDelete(key), cancellationToken);

    /// <summary>Sets the key only if its version is <paramref name="expectedVersion"/> (0: must not exist).</summary>
    public Task<KvResponse> PutIfVersionAsync(string key, string value, long expectedVersion, CancellationToken cancellationToken = default) =>
        ExecuteAsync(new KvPutIfVersion(key, value, expectedVersion), cancellationToken);

    /// <summary>
    /// Runs one operation to completion. Returns Ok, NoKey or VersionMismatch responses; throws
    /// <see cref="KeyValueTimeoutException"/> when the deadline passes (outcome unknown),
    /// <see cref="KeyValueSessionExpiredException"/> or <see cref="KeyValueRejectedException"/>.
    /// </summary>
    public async Task<KvResponse> ExecuteAsync(KvOperation operation, CancellationToken cancellationToken = default)
    {
        using var activity = KeyValueClientTracing.Source.StartActivity($"kv {operation.GetType().Name}", System.Diagnostics.ActivityKind.Client);
        activity?.SetTag("raft.group", options.Group);
        await oneAtATime.WaitAsync(cancellationToken);
        try
        {
            var deadline = time.GetTimestamp() + (long)(options.OperationDeadline.TotalSeconds * time.TimestampFrequency);
            if (clientId == 0)
            {
                var registered = await SendUntilAnswered(new KvRequest(0, 0, new KvRegisterSession(Guid.NewGuid().ToString("N"))), deadline, cancellationToken);
                clientId = registered.Version;
                sequence = 0;
            }
            var request = new KvRequest(clientId, ++sequence, operation);
            var response = await SendUntilAnswered(request, deadline, cancellationToken);
            activity?.SetTag("raft.leader", LeaderPeer);
            activity?.SetTag("raft.kv.status", response.Status.ToString());
            return response.Status switch
            {
                KvStatus.SessionExpired => throw new KeyValueSessionExpiredException(
                    $"Session {clientId} expired on the servers; the request was not applied now, but an earlier attempt of it may have been."),
                KvStatus.TooLarge => throw new KeyValueRejectedException("The key or value exceeds the size the servers accept; nothing was applied."),
                KvStatus.StaleRequest => throw new InvalidOperationException($"Request {request.Sequence} of session {clientId} was answered as stale."),
                _ => response,
            };
        }
        catch (Exception exception) when (activity is not null)
        {
            activity.SetStatus(System.Diagnostics.ActivityStatusCode.Error, exception.Message);
            throw;
        }
        finally
        {
            oneAtATime.Release();
        }
    }

    private async Task<KvResponse> SendUntilAnswered(KvRequest request, long deadline, CancellationToken cancellationToken)
    {
        var sawLeader = false;
        Exception? lastError = null;
        var triedThisRound = 0;
        // The attempts in flight, by peer index: one to the believed leader, and copies to the others while it is silent.
        var attempts = new Dictionary<int, (Task<KvResponse> Task, long SentAt)>();
        try
        {
            while (true)
            {
                var remaining = Remaining(deadline);
                if (remaining <= TimeSpan.Zero)
                {
                    throw new KeyValueTimeoutException(
                        sawLeader
                            ? $"Operation not committed within {options.OperationDeadline}; it may or may not have been applied."
                            : $"No leader of group '{options.Group}' answered within {options.OperationDeadline}.",
                        noLeader: !sawLeader,
                        lastError);
                }
                cancellationToken.ThrowIfCancellationRequested();
                if (attempts.Count == 0)
                {
                    Send(attempts, leader, request, remaining);
                }
                var (peer, attempt, sentAt) = await NextAnswerOrProbe(attempts, request, deadline, cancellationToken);
                if (attempt is null)
                {
                    continue; // the probe went out, or the deadline came
                }
                KvResponse? response = null;
                try
                {
                    response = await attempt;
                }
                catch (Exception exception) when (exception is TimeoutException || transport.IsTransportFailure(exception))
                {
                    lastError = exception;
                }
                if (response is not null && response.Status is not (KvStatus.WrongLeader or KvStatus.Timeout))
                {
                    var answerTime = time.GetElapsedTime(sentAt);
                    smoothedAnswerTime = smoothedAnswerTime == TimeSpan.Zero ? answerTime : (7 * smoothedAnswerTime + answerTime) / 8;
                    leader = peer;
                    return response;
                }
                if (response?.Status == KvStatus.Timeout)
                {
                    sawLeader = true;
                    leader = peer;
                    Send(attempts, peer, request, remaining); // same leader, same sequence: the session makes the retry safe
                    continue;
                }
                if (response?.LeaderHint is { } hint && TryPeerIndex(hint) is { } hinted && hinted != peer)
                {
                    if (!attempts.ContainsKey(hinted))
                    {
                        leader = hinted;
                        Send(attempts, hinted, request, remaining);
                    }
                    continue; // a hint naming a peer already asked: wait for that attempt
                }
                if (attempts.Count > 0)
                {
                    continue; // another peer still has the request
                }
                leader = (peer + 1) % options.Peers.Count;
                if (++triedThisRound >= options.Peers.Count)
                {
                    triedThisRound = 0;
                    await Task.Delay(Min(options.NoLeaderBackoff, Remaining(deadline)), time, cancellationToken);
                }
            }
        }
        finally
        {
            foreach (var (abandoned, _) in attempts.Values)
            {
                // An attempt left behind (another peer answered first) may still fail later: observe it.
                _ = abandoned.ContinueWith(static t => t.Exception, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously);
            }
        }
    }

    /// <summary>
    /// <see cref="KeyValueClientOptions.ProbeOthersAfter"/>, or four times the smoothed answer time when that is longer:
    /// a leader that answers slowly because the group is loaded is not a leader that is gone, and copies to the
    /// others would only add load (at 1,000 clients on a saturated machine they tripled the requests). Past the attempt
    /// timeout there is nothing to probe for.
    /// </summary>
    private TimeSpan ProbeDelay() =>
        options.ProbeOthersAfter == Timeout.InfiniteTimeSpan
            ? options.AttemptTimeout
            : TimeSpan.FromTicks(Math.Min(options.AttemptTimeout.Ticks, Math.Max(options.ProbeOthersAfter.Ticks, 4 * smoothedAnswerTime.Ticks)));

    private void Send(Dictionary<int, (Task<KvResponse> Task, long SentAt)> attempts, int peer, KvRequest request, TimeSpan remaining) =>
        attempts[peer] = (transport.ExecuteAsync($"{options.Group}/{options.Peers[peer]}", request, Min(options.AttemptTimeout, remaining)), time.GetTimestamp());

    /// <summary>
    /// Waits for the first attempt to end and takes it out of <paramref name="attempts"/>. When none has ended after
    /// <see cref="KeyValueClientOptions.ProbeOthersAfter"/>, sends the request to every peer that does not have it and
    /// returns no attempt: a leader whose silo died leaves its attempt unanswered until the attempt timeout, while the
    /// survivors elect a new leader that can commit the copy at once.
    /// </summary>
    private async Task<(int Peer, Task<KvResponse>? Attempt, long SentAt)> NextAnswerOrProbe(
        Dictionary<int, (Task<KvResponse> Task, long SentAt)> attempts, KvRequest request, long deadline, CancellationToken cancellationToken)
    {
        var wait = Min(ProbeDelay(), Remaining(deadline));
        using var stopWaiting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var probeTime = Task.Delay(wait, time, stopWaiting.Token);
        var first = await Task.WhenAny(attempts.Values.Select(a => (Task)a.Task).Append(probeTime));
        if (first != probeTime)
        {
            stopWaiting.Cancel();
            var (peer, (attempt, sentAt)) = attempts.First(a => a.Value.Task == first);
            attempts.Remove(peer);
            return (peer, attempt, sentAt);
        }
        await probeTime; // throws when the caller cancelled
        if (ProbeDelay() < options.AttemptTimeout && Remaining(deadline) > TimeSpan.Zero)
        {
            for (var peer = 0; peer < options.Peers.Count; peer++)
            {
                if (!attempts.ContainsKey(peer))
                {
                    Send(attempts, peer, request, Remaining(deadline));
                }
            }
        }
        return (-1, null, 0);
    }

    private int? TryPeerIndex(string hint)
    {
        // Hints name the peer as the core knows it: "{group}/{id}" or just "{id}".
        var id = hint.StartsWith(options.Group + "/", StringComparison.Ordinal) ? hint[(options.Group.Length + 1)..] : hint;
        var index = options.Peers.IndexOf(id);
        return index >= 0 ? index : null;
    }

    // .NET's timeouts and delays (WaitAsync, Task.Delay) count whole milliseconds: given less than one, an attempt times
    // out and the backoff ends at once, without any time passing. So less than a millisecond left is no time left;
    // otherwise, on a virtual clock that only moves when nothing is ready, the retry loop would spin forever.
    private TimeSpan Remaining(long deadline) =>
        TimeSpan.FromMilliseconds(Math.Floor(time.GetElapsedTime(time.GetTimestamp(), deadline).TotalMilliseconds));

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => TimeSpan.FromTicks(Math.Max(0, Math.Min(a.Ticks, b.Ticks)));
}
