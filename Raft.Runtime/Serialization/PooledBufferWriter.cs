using System.Buffers;

namespace Raft.Runtime.Serialization;

/// <summary>
/// Scratch output for SerializeToArray and DeepCopy, one per thread and backed by the array pool, so that the only
/// allocation of a call is the result.
/// </summary>
internal sealed class PooledBufferWriter : IBufferWriter<byte>
{
    private const int InitialSize = 4096;

    // Buffers that grew past this go back to the pool instead of being held by the thread forever.
    private const int MaxRetainedSize = 256 * 1024;

    [ThreadStatic]
    private static PooledBufferWriter? t_cached;

    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(InitialSize);
    private int _written;

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _written);

    public static PooledBufferWriter Rent()
    {
        var writer = t_cached ?? new PooledBufferWriter();
        t_cached = null;
        return writer;
    }

    public static void Return(PooledBufferWriter writer)
    {
        writer._written = 0;
        if (writer._buffer.Length > MaxRetainedSize)
        {
            ArrayPool<byte>.Shared.Return(writer._buffer);
            writer._buffer = ArrayPool<byte>.Shared.Rent(InitialSize);
        }
        t_cached = writer;
    }

    public void Advance(int count)
    {
        if ((uint)count > (uint)(_buffer.Length - _written))
        {
            throw new ArgumentOutOfRangeException(nameof(count));
        }
        _written += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_written);
    }

    private void Ensure(int sizeHint)
    {
        var needed = Math.Max(sizeHint, 1);
        if (_buffer.Length - _written >= needed)
        {
            return;
        }
        var size = Math.Max(checked(_written + needed), checked(_buffer.Length * 2));
        var larger = ArrayPool<byte>.Shared.Rent(size);
        _buffer.AsSpan(0, _written).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = larger;
    }
}
