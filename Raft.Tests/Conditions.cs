using Xunit.Sdk;

namespace Raft.Tests;

/// <summary>Waiting for a condition in tests: polled against a deadline, never a fixed sleep.</summary>
internal static class Conditions
{
    /// <summary>Polls <paramref name="condition"/> every 10 ms of <paramref name="time"/> (real time by default) until it holds.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, TimeProvider? time = null)
    {
        time ??= TimeProvider.System;
        var started = time.GetTimestamp();
        while (!await condition())
        {
            if (time.GetElapsedTime(started) > timeout)
            {
                throw new XunitException($"Timed out after {timeout.TotalSeconds:0.#} s waiting for {what}");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(10), time);
        }
    }
}
