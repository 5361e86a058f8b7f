using System.Diagnostics;
using System.Text;

namespace Raft.Tests.EndToEnd;

/// <summary>
/// A Raft.Silo process started from the test's output folder, its output captured line by line with the time each line
/// arrived (on the shared <see cref="Clock"/>), so tests can wait for what a silo logs and measure when it did.
/// </summary>
internal sealed class SiloProcess : IAsyncDisposable
{
    /// <summary>One clock for every silo of a test run, so times seen by different silos compare.</summary>
    public static readonly Stopwatch Clock = Stopwatch.StartNew();

    private readonly List<(TimeSpan At, string Line)> lines = [];
    private TaskCompletionSource started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Process? process;

    public SiloProcess(string name, IReadOnlyList<string> arguments)
    {
        Name = name;
        Arguments = arguments;
    }

    public string Name { get; }

    public IReadOnlyList<string> Arguments { get; }

    public bool IsRunning => process is { HasExited: false };

    /// <summary>Everything the silo printed, over all its lives.</summary>
    public string Output
    {
        get
        {
            lock (lines)
            {
                var text = new StringBuilder();
                foreach (var (_, line) in lines)
                {
                    text.AppendLine(line);
                }
                return text.ToString();
            }
        }
    }

    /// <summary>How many lines were printed so far: a starting point for <see cref="WaitForLineAsync"/>.</summary>
    public int LineCount
    {
        get
        {
            lock (lines)
            {
                return lines.Count;
            }
        }
    }

    /// <summary>Starts the process and waits until the host reports that it started (the silo is then active).</summary>
    public async Task StartAsync(TimeSpan timeout)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Raft.Silo.dll"));
        foreach (var argument in Arguments)
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["Logging__Console__FormatterName"] = "simple";
        start.Environment["Logging__Console__FormatterOptions__SingleLine"] = "true";
        var life = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        started = life;
        var child = new Process { StartInfo = start, EnableRaisingEvents = true };
        child.OutputDataReceived += (_, e) => Append(e.Data);
        child.ErrorDataReceived += (_, e) => Append(e.Data);
        child.Exited += (_, _) =>
        {
            // Exited can come before the last lines (the one-line error on stderr) were read; the parameterless
            // WaitForExit also waits for the end of the redirected streams.
            child.WaitForExit();
            life.TrySetException(new InvalidOperationException($"Silo {Name} exited with {child.ExitCode}:\n{Output}"));
        };
        child.Start();
        child.BeginOutputReadLine();
        child.BeginErrorReadLine();
        process = child;
        try
        {
            await life.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"Silo {Name} did not start within {timeout}:\n{Output}");
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (lines)
        {
            lines.Add((Clock.Elapsed, line));
        }
        if (line.Contains("Application started", StringComparison.Ordinal))
        {
            started.TrySetResult();
        }
    }

    /// <summary>
    /// Waits for a line after the first <paramref name="from"/> that satisfies <paramref name="match"/> and returns when
    /// it arrived (on <see cref="Clock"/>); throws <see cref="TimeoutException"/> with the output at the deadline.
    /// </summary>
    public async Task<TimeSpan> WaitForLineAsync(int from, Func<string, bool> match, TimeSpan timeout)
    {
        var deadline = Clock.Elapsed + timeout;
        while (true)
        {
            lock (lines)
            {
                for (var i = from; i < lines.Count; i++)
                {
                    if (match(lines[i].Line))
                    {
                        return lines[i].At;
                    }
                }
            }
            if (Clock.Elapsed > deadline)
            {
                throw new TimeoutException($"Silo {Name} did not log the awaited line within {timeout}:\n{Output}");
            }
            await Task.Delay(20);
        }
    }

    /// <summary>kill -9: no shutdown of any kind. Returns when it was killed (on <see cref="Clock"/>).</summary>
    public async Task<TimeSpan> KillAsync()
    {
        var at = Clock.Elapsed;
        if (process is { HasExited: false })
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        return at;
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        process?.Dispose();
    }
}
