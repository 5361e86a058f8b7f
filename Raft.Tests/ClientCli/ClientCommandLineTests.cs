using Raft.TestingHost;
using System.Diagnostics;
using Raft.Client.Cli;
using Raft.Tests.EndToEnd;
using Xunit;

namespace Raft.Tests.ClientCli;

/// <summary>Argument parsing and exit codes of raft-client, without a cluster.</summary>
public sealed class ClientCommandLineTests
{
    [Fact]
    public async Task HelpListsCommandsAndExitCodes()
    {
        var result = await CliRunner.RunAsync("--help");
        Assert.Equal(ExitCodes.Success, result.Code);
        foreach (var command in new[] { "put", "get", "append", "delete", "cas", "status", "watch", "bench" })
        {
            Assert.Contains($"  {command}", result.Out);
        }
        Assert.Contains("Exit codes:", result.Out);
        Assert.Contains("6  cas version mismatch", result.Out);
        Assert.Equal("", result.Err);
    }

    [Theory]
    [InlineData("frob")]
    [InlineData("put", "k")]
    [InlineData("get")]
    [InlineData("cas", "k", "v")]
    [InlineData("cas", "k", "v", "--expected-version", "x")]
    [InlineData("cas", "k", "v", "--expected-version", "-1")]
    [InlineData("--gateway", "nope", "get", "k")]
    [InlineData("--gateway", "127.0.0.1:0", "get", "k")]
    [InlineData("--gateway", "127.0.0.1:70000", "get", "k")]
    [InlineData("get", "k", "--gateway", "host-without-port")]
    [InlineData("get", "k", "--timeout", "soon")]
    [InlineData("get", "k", "--timeout", "0s")]
    [InlineData("get", "k", "--peers", ",")]
    [InlineData("get", "k", "--peers", "0,0")]
    [InlineData("watch", "--interval", "-1s")]
    [InlineData("bench", "--clients", "0")]
    [InlineData("bench", "--read-ratio", "1.5")]
    [InlineData("bench", "--keys", "1000", "--key-size", "2")]
    [InlineData("get", "k", "extra")]
    [InlineData("put", "k", "v", "--frobnicate")]
    [InlineData]
    public async Task BadArgumentsExitTwoWithOneLineOnStderr(params string[] args)
    {
        var result = await CliRunner.RunAsync(args);
        Assert.True(result.Code == ExitCodes.Usage, result.ToString());
        var line = Assert.Single(result.ErrLines);
        Assert.StartsWith("raft-client: ", line);
    }

    [Fact]
    public async Task UnknownCommandIsNamedAndUsageIsPrinted()
    {
        var result = await CliRunner.RunAsync("frob");
        Assert.Equal(ExitCodes.Usage, result.Code);
        Assert.Equal("raft-client: Unrecognized command or argument 'frob'.", Assert.Single(result.ErrLines));
        Assert.Contains("Usage:", result.Out);
    }

    [Fact]
    public async Task MissingArgumentPrintsTheCommandsUsage()
    {
        var result = await CliRunner.RunAsync("put", "k");
        Assert.Equal(ExitCodes.Usage, result.Code);
        Assert.Contains("put", Assert.Single(result.ErrLines));
        Assert.Contains("raft-client put <key> <value>", result.Out);
    }

    [Fact]
    public async Task BadGatewayNamesTheValue()
    {
        var result = await CliRunner.RunAsync("--gateway", "nope", "status");
        Assert.Equal(ExitCodes.Usage, result.Code);
        Assert.Contains("'nope'", Assert.Single(result.ErrLines));
    }

    [Theory]
    [InlineData("get", "k")]
    [InlineData("put", "k", "v")]
    [InlineData("status")]
    [InlineData("watch")]
    [InlineData("bench", "--duration", "1s")]
    public async Task UnreachableGatewayExitsThreeQuickly(params string[] command)
    {
        var port = LoopbackPorts.Free(1)[0];
        var watch = Stopwatch.StartNew();
        var result = await CliRunner.RunAsync([.. command, "--gateway", $"127.0.0.1:{port}", "--timeout", "5s"]);
        Assert.True(result.Code == ExitCodes.Unreachable, result.ToString());
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(4), $"took {watch.Elapsed}");
        var line = Assert.Single(result.ErrLines);
        Assert.StartsWith("raft-client: cluster unreachable:", line);
        Assert.Contains($"127.0.0.1:{port}", line);
        Assert.Equal("", result.Out);
    }

    [Fact]
    public async Task EveryGatewayIsTriedAndNamed()
    {
        var ports = LoopbackPorts.Free(2);
        var result = await CliRunner.RunAsync("get", "k", "-g", $"127.0.0.1:{ports[0]}", "-g", $"127.0.0.1:{ports[1]}");
        Assert.Equal(ExitCodes.Unreachable, result.Code);
        Assert.Contains($"127.0.0.1:{ports[0]}", result.Err);
        Assert.Contains($"127.0.0.1:{ports[1]}", result.Err);
    }

    [Theory]
    [InlineData("250ms", 250)]
    [InlineData("10s", 10_000)]
    [InlineData("1.5s", 1_500)]
    [InlineData("2m", 120_000)]
    [InlineData("1h", 3_600_000)]
    [InlineData("3", 3_000)]
    [InlineData("00:00:07", 7_000)]
    public void DurationsParse(string text, int milliseconds)
    {
        Assert.True(CliParsers.TryParseDuration(text, out var value));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), value);
    }

    [Theory]
    [InlineData("soon")]
    [InlineData("")]
    [InlineData("5x")]
    [InlineData("1e400s")]
    public void BadDurationsDoNotParse(string text) => Assert.False(CliParsers.TryParseDuration(text, out _));

    [Fact]
    public void ExceptionsMapToTheDocumentedExitCodes()
    {
        Assert.Equal(ExitCodes.Unreachable, ClientCommandLine.Classify(new Orleans.Runtime.SiloUnavailableException("x"), false).Code);
        Assert.Equal(ExitCodes.NoLeader, ClientCommandLine.Classify(new Raft.Client.KeyValueTimeoutException("x", noLeader: true), false).Code);
        Assert.Equal(ExitCodes.Timeout, ClientCommandLine.Classify(new Raft.Client.KeyValueTimeoutException("x", noLeader: false), false).Code);
        Assert.Equal(ExitCodes.Rejected, ClientCommandLine.Classify(new Raft.Client.KeyValueRejectedException("x"), false).Code);
        Assert.Equal(ExitCodes.Rejected, ClientCommandLine.Classify(new Raft.Client.KeyValueSessionExpiredException("x"), false).Code);
        Assert.Equal(ExitCodes.Error, ClientCommandLine.Classify(new InvalidOperationException("x"), false).Code);
        Assert.Equal(ExitCodes.Interrupted, ClientCommandLine.Classify(new InvalidOperationException("x"), true).Code);
    }

    [Fact]
    public void FailuresAreOneLine()
    {
        using var error = new StringWriter();
        ClientCommandLine.WriteFailure(error, "first\nsecond\r\n third");
        Assert.Equal($"raft-client: first second third{Environment.NewLine}", error.ToString());
    }
}
