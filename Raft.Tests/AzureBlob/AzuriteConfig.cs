using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Raft.Persistence.AzureStorage;

/// <summary>
/// The repository's Azurite.config (JSON): how to start the local Azurite blob emulator and how to reach it.
/// Read by the tests (which override the port and location) and by the silo (which connects to blobHost:blobPort).
/// Paths are relative to the folder holding the file.
/// </summary>
public sealed class AzuriteConfig
{
    public const string FileName = "Azurite.config";

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNameCaseInsensitive = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    /// <summary>The azurite-blob launcher, relative to the repository root (npm ci puts it in node_modules/.bin).</summary>
    [JsonPropertyName("executable")]
    public string Executable { get; init; } = "node_modules/.bin/azurite-blob";

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

    /// <summary>Command-line arguments for azurite-blob.</summary>
    public IReadOnlyList<string> BuildArguments(int? port = null, string? location = null)
    {
        var arguments = new List<string>
        {
            "--blobHost", BlobHost,
            "--blobPort", (port ?? BlobPort).ToString(CultureInfo.InvariantCulture),
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

    /// <summary>A Shared Key connection string for the emulator account on this host and port (path-style endpoint).</summary>
    public string GetConnectionString(int? port = null) =>
        "DefaultEndpointsProtocol=http;" +
        $"AccountName={AzureStorageConnectionString.DevelopmentAccountName};" +
        $"AccountKey={AzureStorageConnectionString.DevelopmentAccountKey};" +
        $"BlobEndpoint=http://{(BlobHost.Contains(':') ? $"[{BlobHost}]" : BlobHost)}:{(port ?? BlobPort).ToString(CultureInfo.InvariantCulture)}/{AzureStorageConnectionString.DevelopmentAccountName}";
}
