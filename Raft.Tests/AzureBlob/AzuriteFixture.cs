using Raft.TestingHost;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Xunit;

namespace Raft.Tests.AzureBlob;

[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite";
}

/// <summary>
/// Runs the repository's Azurite (node_modules/.bin/azurite, as named in Azurite.config) for the Azure tests: blob,
/// queue and table services on free loopback ports and in a temporary data folder, all kept across <see cref="Stop"/>
/// and <see cref="Start"/> so that outage tests find their data again. The process tree is killed on dispose.
/// </summary>
public sealed class AzuriteFixture : IDisposable
{
    private static readonly TimeSpan StartupTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan GracefulStopTimeout = TimeSpan.FromSeconds(10);
    private const string ReadyLine = "successfully listen"; // azurite-blob: "successfully listens"; azurite: "successfully listening"
    private const int Services = 3; // blob, queue, table: each prints the ready line once

    private readonly Lock _gate = new();
    private readonly StringBuilder _output = new();
    private Process? _process;
    private bool _disposed;

    public AzuriteFixture()
    {
        var root = AzuriteConfig.FindRepositoryRoot(AppContext.BaseDirectory)
            ?? throw new InvalidOperationException(
                $"No {AzuriteConfig.FileName} found in {AppContext.BaseDirectory} or any parent folder; the Azure tests need the repository checkout.");
        RepositoryRoot = root;
        Config = AzuriteConfig.Load(Path.Combine(root, AzuriteConfig.FileName));
        if (!File.Exists(Config.ExecutablePath))
        {
            throw new InvalidOperationException(
                $"Azurite is not installed: {Config.ExecutablePath} is missing; run npm ci at the repository root ({root}).");
        }
        Location = Path.Combine(Path.GetTempPath(), "raft-azurite-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Location);

        // The free port is only reserved until the listener stops; if someone takes it before Azurite binds, try another.
        for (var attempt = 1; ; attempt++)
        {
            (Port, QueuePort, TablePort) = FindFreeLoopbackPorts();
            try
            {
                Start();
                break;
            }
            catch (InvalidOperationException) when (attempt < 3 && LastOutput.Contains("EADDRINUSE", StringComparison.Ordinal))
            {
            }
        }
    }

    public string RepositoryRoot { get; }

    public AzuriteConfig Config { get; }

    /// <summary>The blob service's port.</summary>
    public int Port { get; private set; }

    public int QueuePort { get; private set; }

    public int TablePort { get; private set; }

    /// <summary>Azurite's data folder for this fixture (temporary).</summary>
    public string Location { get; }

    public string BlobEndpoint => $"http://127.0.0.1:{Port}/{AzuriteConfig.DevelopmentAccountName}";

    /// <summary>DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=…;BlobEndpoint=http://127.0.0.1:{port}/devstoreaccount1</summary>
    public string ConnectionString => Config.GetConnectionString(Port);

    /// <summary><see cref="ConnectionString"/> with the table service's endpoint too (Azure Table membership).</summary>
    public string TableConnectionString => Config.GetConnectionString(Port, TablePort);

    public bool IsRunning
    {
        get
        {
            lock (_gate)
            {
                return _process is { HasExited: false };
            }
        }
    }

    /// <summary>What Azurite printed since the last start.</summary>
    public string LastOutput
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts Azurite on <see cref="Port"/> with <see cref="Location"/> and waits until it listens.</summary>
    public void Start()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_process is { HasExited: false })
            {
                return;
            }
            _process?.Dispose();
            lock (_output)
            {
                _output.Clear();
            }

            var startInfo = new ProcessStartInfo(Config.ExecutablePath)
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = false,
                WorkingDirectory = Location,
            };
            foreach (var argument in Config.BuildArguments(Port, Location, QueuePort, TablePort))
            {
                startInfo.ArgumentList.Add(argument);
            }

            var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var listening = 0;
            var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
            void OnLine(object sender, DataReceivedEventArgs e)
            {
                if (e.Data is null)
                {
                    return;
                }
                lock (_output)
                {
                    _output.AppendLine(e.Data);
                }
                if (e.Data.Contains(ReadyLine, StringComparison.Ordinal) && Interlocked.Increment(ref listening) == Services)
                {
                    ready.TrySetResult();
                }
            }
            process.OutputDataReceived += OnLine;
            process.ErrorDataReceived += OnLine;
            process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException("Azurite exited before it was listening."));

            try
            {
                process.Start();
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                process.Dispose();
                throw new InvalidOperationException(
                    $"Could not start Azurite ({Config.ExecutablePath}): {e.Message}; run npm ci at the repository root ({RepositoryRoot}).", e);
            }
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            _process = process;

            var allListening = false;
            try
            {
                allListening = ready.Task.Wait(StartupTimeout);
            }
            catch (AggregateException)
            {
            }
            if (!allListening)
            {
                KillProcessTree(process);
                // Let the output readers drain what the process printed last.
                process.WaitForExit();
                throw new InvalidOperationException(
                    $"Azurite did not report '{ReadyLine}' on 127.0.0.1:{Port} within {StartupTimeout.TotalSeconds} s " +
                    $"({(process.HasExited ? $"exit code {process.ExitCode}" : "still running, killed")}). " +
                    $"Command: {Config.ExecutablePath} {string.Join(' ', startInfo.ArgumentList)}{Environment.NewLine}Azurite output:{Environment.NewLine}{LastOutput}");
            }
        }
    }

    /// <summary>
    /// Stops Azurite the way an operator would (SIGTERM, so it flushes its metadata), killing the process tree if it
    /// has not exited after a few seconds. Port and data folder stay, so <see cref="Start"/> brings the same data back.
    /// </summary>
    public void Stop()
    {
        lock (_gate)
        {
            if (_process is null)
            {
                return;
            }
            if (!_process.HasExited)
            {
                if (!OperatingSystem.IsWindows() && SendSignal(_process.Id, SigTerm) == 0 && _process.WaitForExit(GracefulStopTimeout))
                {
                    _process.WaitForExit();
                }
                else
                {
                    KillProcessTree(_process);
                    _process.WaitForExit();
                }
            }
            _process.Dispose();
            _process = null;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            if (_process is not null)
            {
                KillProcessTree(_process);
                _process.WaitForExit(GracefulStopTimeout);
                _process.Dispose();
                _process = null;
            }
        }
        try
        {
            Directory.Delete(Location, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static void KillProcessTree(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
        }
    }

    // Three listeners held at once, so that the three ports differ.
    private static (int Blob, int Queue, int Table) FindFreeLoopbackPorts()
    {
        var listeners = Enumerable.Range(0, Services).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToArray();
        try
        {
            var ports = listeners.Select(l =>
            {
                l.Start();
                return ((IPEndPoint)l.LocalEndpoint).Port;
            }).ToArray();
            return (ports[0], ports[1], ports[2]);
        }
        finally
        {
            foreach (var listener in listeners)
            {
                listener.Stop();
            }
        }
    }

    private const int SigTerm = 15;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);
}
