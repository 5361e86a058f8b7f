using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Raft.Tests.AzureBlob;

/// <summary>
/// The repository's Azurite.config (JSON): how to start the local Azurite emulator (blob, queue and table services) and
/// how to reach it. Read by the tests, which override the ports and location. Paths are relative to the folder holding the file.
/// </summary>
public sealed class AzuriteConfig
{
    public const string FileName = "Azurite.config";

    /// <summary>The emulator's well-known account (documented by Azurite; not a secret).</summary>
    public const string DevelopmentAccountName = "devstoreaccount1";

    public const string DevelopmentAccountKey =
        "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNameCaseInsensitive = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    /// <summary>The azurite launcher (all services), relative to the repository root (npm ci puts it in node_modules/.bin).</summary>
    [JsonPropertyName("executable")]
    public string Executable { get; init; } = "node_modules/.bin/azurite";

    [JsonPropertyName("blobHost")]
    public string BlobHost { get; init; } = "127.0.0.1";

    [JsonPropertyName("blobPort")]
    public int BlobPort { get; init; } = 10000;

    /// <summary>Azurite's data folder, relative to the repository root.</summary>
    [JsonPropertyName("location")]
    public string Location { get; init; } = ".azurite";

    [JsonPropertyName("skipApiVersionCheck")]
    public bool SkipApiVersionCheck { get; init; } = true;

    [JsonPropertyName("silent")]
    public bool Silent { get; init; } = true;

    [JsonPropertyName("disableTelemetry")]
    public bool DisableTelemetry { get; init; } = true;

    [JsonPropertyName("containerName")]
    public string ContainerName { get; init; } = "grainstate";

    /// <summary>The folder the file was read from; relative paths resolve against it.</summary>
    [JsonIgnore]
    public string BaseDirectory { get; private set; } = Directory.GetCurrentDirectory();

    public static AzuriteConfig Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var fullPath = Path.GetFullPath(path);
        AzuriteConfig? config;
        try
        {
            config = JsonSerializer.Deserialize<AzuriteConfig>(File.ReadAllText(fullPath), JsonOptions);
        }
        catch (JsonException e)
        {
            throw new InvalidOperationException($"{fullPath} is not valid JSON: {e.Message}", e);
        }
        if (config is null)
        {
            throw new InvalidOperationException($"{fullPath} is empty.");
        }
        if (config.BlobPort is < 0 or > 65535)
        {
            throw new InvalidOperationException($"{fullPath}: blobPort {config.BlobPort} is not a TCP port.");
        }
        config.BaseDirectory = Path.GetDirectoryName(fullPath)!;
        return config;
    }

    /// <summary>The nearest folder at or above <paramref name="startDirectory"/> holding Azurite.config, or null.</summary>
    public static string? FindRepositoryRoot(string startDirectory)
    {
        for (var directory = new DirectoryInfo(startDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, FileName)))
            {
                return directory.FullName;
            }
        }
        return null;
    }

    /// <summary>The launcher's full path; on Windows npm's .cmd shim.</summary>
    public string ExecutablePath
    {
        get
        {
            var path = Path.GetFullPath(Path.Combine(BaseDirectory, Executable));
            return OperatingSystem.IsWindows() && !path.EndsWith(".cmd", StringComparison.OrdinalIgnoreCase) ? path + ".cmd" : path;
        }
    }

    public string LocationPath => Path.GetFullPath(Path.Combine(BaseDirectory, Location));

    /// <summary>
    /// Command-line arguments for azurite: the blob service on <paramref name="port"/>, and the queue and table services
    /// (which the all-in-one launcher always starts) on the ports given, else the two after the blob port.
    /// </summary>
    public IReadOnlyList<string> BuildArguments(int? port = null, string? location = null, int? queuePort = null, int? tablePort = null)
    {
        var blobPort = port ?? BlobPort;
        var arguments = new List<string>
        {
            "--blobHost", BlobHost,
            "--blobPort", blobPort.ToString(CultureInfo.InvariantCulture),
            "--queueHost", BlobHost,
            "--queuePort", (queuePort ?? blobPort + 1).ToString(CultureInfo.InvariantCulture),
            "--tableHost", BlobHost,
            "--tablePort", (tablePort ?? blobPort + 2).ToString(CultureInfo.InvariantCulture),
            "--location", location ?? LocationPath,
        };
        if (SkipApiVersionCheck)
        {
            arguments.Add("--skipApiVersionCheck");
        }
        if (Silent)
        {
            arguments.Add("--silent");
        }
        if (DisableTelemetry)
        {
            arguments.Add("--disableTelemetry");
        }
        return arguments;
    }

    /// <summary>
    /// A Shared Key connection string for the emulator account on this host (path-style endpoints): the blob endpoint
    /// on <paramref name="port"/>, and the table endpoint when <paramref name="tablePort"/> is given.
    /// </summary>
    public string GetConnectionString(int? port = null, int? tablePort = null) =>
        "DefaultEndpointsProtocol=http;" +
        $"AccountName={DevelopmentAccountName};" +
        $"AccountKey={DevelopmentAccountKey};" +
        $"BlobEndpoint={Endpoint(port ?? BlobPort)}" +
        (tablePort is { } table ? $";TableEndpoint={Endpoint(table)}" : "");

    private string Endpoint(int port) =>
        $"http://{(BlobHost.Contains(':') ? $"[{BlobHost}]" : BlobHost)}:{port.ToString(CultureInfo.InvariantCulture)}/{DevelopmentAccountName}";
}
