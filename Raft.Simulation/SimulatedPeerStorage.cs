using Raft.Grains;

namespace Raft.Simulation;

/// <summary>
/// One life's view of its peer's <see cref="SimulatedDisk"/>, with memory storage's contract: operations are applied in
/// issue order, a clear deletes the record, and an ETag mismatch throws <see cref="RecordConflictException"/>. With
/// no write latency a write lands when it is issued. With one, it lands (and is acknowledged) that long after, and a
/// crash of the life in between is a power loss: of the writes still on their way, a prefix drawn from the seed lands
/// and the rest is lost, so what survives is everything acknowledged and maybe some of what was not. A life that
/// ended can no longer touch the disk.
/// </summary>
internal sealed class SimulatedPeerStorage(SimulatedDisk disk, PeerScheduler life, SimulationLoop loop, TimeSpan writeLatency) : IPeerStorage
{
    private readonly SimulatedDisk disk = disk;
    private readonly PeerScheduler life = life;
    private readonly Queue<PendingWrite> pending = new();

    public string Name => "simulated";

    public bool PreservesIssueOrder => true;

    public bool WritesMayOutliveWriter => false;

    public bool ClearKeepsRecord => false;

    public IPeerRecord<T> Open<T>(string recordName) => new Record<T>(this, recordName);

    public long Measure<T>(T record) => MessageSize.Of(record);

    private void EnsureAlive(string name)
    {
        if (life.Stopped)
        {
            throw new PeerStorageException($"{life}: record '{name}' cannot be reached: this life of the peer crashed.");
        }
    }

    /// <summary>
    /// The life crashed: of its writes still on their way, the first <c>k</c> land, for <c>k</c> drawn uniformly from
    /// 0 to their number; the others are lost. Returns how many landed and how many were lost.
    /// </summary>
    public (int Landed, int Lost) PowerLoss(Random random)
    {
        var count = pending.Count;
        var landed = random.Next(count + 1);
        for (var i = 0; i < landed; i++)
        {
            pending.Dequeue().Land();
        }
        pending.Clear();
        return (landed, count - landed);
    }

    /// <summary>Issues a write that lands after the disk's latency, after every write issued before it.</summary>
    private Task Issue(Action land)
    {
        if (writeLatency <= TimeSpan.Zero)
        {
            try
            {
                land();
                return Task.CompletedTask;
            }
            catch (Exception exception)
            {
                return Task.FromException(exception);
            }
        }
        var write = new PendingWrite(land);
        pending.Enqueue(write);
        _ = LandLaterAsync(write);
        return write.Completion;
    }

    private async Task LandLaterAsync(PendingWrite write)
    {
        // Runs on the life's turns: after a crash it never resumes, and PowerLoss decided this write's fate.
        await Task.Delay(writeLatency, loop);
        while (pending.TryDequeue(out var next))
        {
            next.Land();
            if (next == write)
            {
                break;
            }
        }
    }

    /// <summary>A write on its way to the disk.</summary>
    private sealed class PendingWrite(Action land)
    {
        private readonly TaskCompletionSource completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Completion => completion.Task;

        public void Land()
        {
            try
            {
                land();
                completion.TrySetResult();
            }
            catch (Exception exception)
            {
                completion.TrySetException(exception);
            }
        }
    }

    private Exception? PlannedFailure(string name) =>
        disk.TakeFailure() ? new PeerStorageException($"{life}: writing record '{name}' failed (a planned disk failure).") : null;

    private sealed class Record<T>(SimulatedPeerStorage storage, string name) : IPeerRecord<T>
    {
        public T State { get; set; } = default!;

        public string? Etag { get; private set; }

        public bool RecordExists { get; private set; }

        public Task ReadStateAsync()
        {
            storage.EnsureAlive(name);
            var stored = storage.disk.Read(name);
            State = stored is null ? default! : (T)stored.State;
            Etag = stored?.ETag;
            RecordExists = stored is not null;
            return Task.CompletedTask;
        }

        public Task WriteStateAsync()
        {
            storage.EnsureAlive(name);
            if (storage.PlannedFailure(name) is { } failure)
            {
                // Refused when issued, as memory storage refuses: the writer issues nothing after it, so a crash still
                // keeps a prefix of what it issued.
                return Task.FromException(failure);
            }
            var state = State!;
            return storage.Issue(() =>
            {
                Etag = storage.disk.TryWrite(name, state, Etag) ?? throw Conflict();
                RecordExists = true;
            });
        }

        public Task ClearStateAsync()
        {
            storage.EnsureAlive(name);
            if (storage.PlannedFailure(name) is { } failure)
            {
                return Task.FromException(failure);
            }
            return storage.Issue(() =>
            {
                if (!storage.disk.TryClear(name, Etag))
                {
                    throw Conflict();
                }
                Etag = null;
                RecordExists = false;
            });
        }

        private RecordConflictException Conflict() =>
            new($"{storage.life}: record '{name}' changed since it was read (ETag {Etag ?? "none"}, stored {storage.disk.Read(name)?.ETag ?? "none"}).");
    }
}
