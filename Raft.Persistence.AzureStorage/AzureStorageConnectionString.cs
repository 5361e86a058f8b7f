namespace Raft.Persistence.AzureStorage;

/// <summary>
/// A parsed Azure Storage connection string for Shared Key access to the Blob service.
/// Accepted forms:
/// <list type="bullet">
/// <item><c>DefaultEndpointsProtocol=https;AccountName=NAME;AccountKey=BASE64[;EndpointSuffix=core.windows.net][;BlobEndpoint=URL]</c>;
/// without BlobEndpoint the endpoint is <c>{protocol}://{account}.blob.{suffix}</c>. Queue/Table/FileEndpoint are accepted and ignored.</item>
/// <item><c>UseDevelopmentStorage=true[;DevelopmentStorageProxyUri=URL]</c>: the emulator account devstoreaccount1 at
/// <c>http://127.0.0.1:10000/devstoreaccount1</c> (or the proxy's scheme and host, port 10000).</item>
/// </list>
/// Errors are <see cref="ArgumentException"/>s that name the offending key and never repeat the account key.
/// </summary>
public sealed class AzureStorageConnectionString
{
    /// <summary>The emulator's account name.</summary>
    public const string DevelopmentAccountName = "devstoreaccount1";

    /// <summary>The emulator's well-known, public account key.</summary>
    public const string DevelopmentAccountKey =
        "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private const int DevelopmentBlobPort = 10000;

    private static readonly HashSet<string> IgnoredKeys = new(StringComparer.OrdinalIgnoreCase)
    {
        "QueueEndpoint", "TableEndpoint", "FileEndpoint",
    };

    private readonly byte[] _accountKey;

    private AzureStorageConnectionString(string accountName, byte[] accountKey, Uri blobEndpoint, bool isDevelopmentStorage)
    {
        AccountName = accountName;
        _accountKey = accountKey;
        BlobEndpoint = blobEndpoint;
        IsDevelopmentStorage = isDevelopmentStorage;
    }

    public string AccountName { get; }

    /// <summary>The Blob service endpoint, without a trailing slash; path-style endpoints end with the account name.</summary>
    public Uri BlobEndpoint { get; }

    public bool IsDevelopmentStorage { get; }

    /// <summary>The decoded account key (a copy).</summary>
    internal byte[] AccountKey => (byte[])_accountKey.Clone();

    /// <summary>Makes a signer for this account.</summary>
    public SharedKeySigner CreateSigner() => new(AccountName, _accountKey);

    /// <summary>Describes the account and endpoint; never includes the key.</summary>
    public override string ToString() => $"AccountName={AccountName};BlobEndpoint={BlobEndpoint}";

    public static AzureStorageConnectionString Parse(string connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new ArgumentException("The Azure Storage connection string is empty.", nameof(connectionString));
        }

        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var segmentNumber = 0;
        foreach (var rawSegment in connectionString.Split(';'))
        {
            var segment = rawSegment.Trim();
            if (segment.Length == 0)
            {
                continue;
            }
            segmentNumber++;
            var equals = segment.IndexOf('=');
            if (equals <= 0)
            {
                // The segment itself is not echoed: it might be (part of) the account key.
                throw new ArgumentException(
                    $"The Azure Storage connection string is invalid: segment {segmentNumber} is not of the form Key=Value.",
                    nameof(connectionString));
            }
            var key = segment[..equals].Trim();
            var value = segment[(equals + 1)..].Trim();
            if (!values.TryAdd(key, value))
            {
                throw new ArgumentException($"The Azure Storage connection string sets '{key}' more than once.", nameof(connectionString));
            }
        }

        return values.ContainsKey("UseDevelopmentStorage") ? ParseDevelopment(values) : ParseAccount(values);
    }

    private static AzureStorageConnectionString ParseDevelopment(Dictionary<string, string> values)
    {
        if (!string.Equals(values["UseDevelopmentStorage"], "true", StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException("The Azure Storage connection string is invalid: UseDevelopmentStorage must be 'true' when present.", "connectionString");
        }
        foreach (var key in values.Keys)
        {
            if (!key.Equals("UseDevelopmentStorage", StringComparison.OrdinalIgnoreCase)
                && !key.Equals("DevelopmentStorageProxyUri", StringComparison.OrdinalIgnoreCase))
            {
                throw new ArgumentException(
                    $"The Azure Storage connection string is invalid: '{key}' cannot be combined with UseDevelopmentStorage=true " +
                    "(use an explicit AccountName/AccountKey/BlobEndpoint connection string instead).",
                    "connectionString");
            }
        }

        var host = "127.0.0.1";
        var scheme = Uri.UriSchemeHttp;
        if (values.TryGetValue("DevelopmentStorageProxyUri", out var proxy))
        {
            var proxyUri = ParseHttpUri(proxy, "DevelopmentStorageProxyUri");
            host = proxyUri.Host;
            scheme = proxyUri.Scheme;
        }
        var endpoint = new UriBuilder(scheme, host, DevelopmentBlobPort, DevelopmentAccountName).Uri;
        return new AzureStorageConnectionString(
            DevelopmentAccountName, Convert.FromBase64String(DevelopmentAccountKey), TrimSlash(endpoint), isDevelopmentStorage: true);
    }

    private static AzureStorageConnectionString ParseAccount(Dictionary<string, string> values)
    {
        foreach (var key in values.Keys)
        {
            if (key.Equals("SharedAccessSignature", StringComparison.OrdinalIgnoreCase))
            {
                throw new ArgumentException(
                    "The Azure Storage connection string is invalid: SharedAccessSignature is not supported; use AccountName and AccountKey (Shared Key).",
                    "connectionString");
            }
            if (!key.Equals("DefaultEndpointsProtocol", StringComparison.OrdinalIgnoreCase)
                && !key.Equals("AccountName", StringComparison.OrdinalIgnoreCase)
                && !key.Equals("AccountKey", StringComparison.OrdinalIgnoreCase)
                && !key.Equals("BlobEndpoint", StringComparison.OrdinalIgnoreCase)
                && !key.Equals("EndpointSuffix", StringComparison.OrdinalIgnoreCase)
                && !IgnoredKeys.Contains(key))
            {
                throw new ArgumentException($"The Azure Storage connection string is invalid: unknown key '{key}'.", "connectionString");
            }
        }

        if (!values.TryGetValue("AccountName", out var accountName) || accountName.Length == 0)
        {
            throw new ArgumentException("The Azure Storage connection string is invalid: AccountName is missing.", "connectionString");
        }
        foreach (var c in accountName)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '-')
            {
                throw new ArgumentException(
                    $"The Azure Storage connection string is invalid: AccountName '{accountName}' may contain only letters, digits and hyphens.",
                    "connectionString");
            }
        }

        if (!values.TryGetValue("AccountKey", out var accountKeyText) || accountKeyText.Length == 0)
        {
            throw new ArgumentException("The Azure Storage connection string is invalid: AccountKey is missing.", "connectionString");
        }
        var keyBuffer = new byte[accountKeyText.Length];
        if (!Convert.TryFromBase64String(accountKeyText, keyBuffer, out var keyLength) || keyLength == 0)
        {
            throw new ArgumentException("The Azure Storage connection string is invalid: AccountKey is not valid base64.", "connectionString");
        }
        var accountKey = keyBuffer[..keyLength];

        var protocol = Uri.UriSchemeHttps;
        if (values.TryGetValue("DefaultEndpointsProtocol", out var protocolText))
        {
            if (protocolText.Equals("https", StringComparison.OrdinalIgnoreCase))
            {
                protocol = Uri.UriSchemeHttps;
            }
            else if (protocolText.Equals("http", StringComparison.OrdinalIgnoreCase))
            {
                protocol = Uri.UriSchemeHttp;
            }
            else
            {
                throw new ArgumentException(
                    $"The Azure Storage connection string is invalid: DefaultEndpointsProtocol must be 'http' or 'https' (was '{protocolText}').",
                    "connectionString");
            }
        }

        Uri blobEndpoint;
        if (values.TryGetValue("BlobEndpoint", out var blobEndpointText))
        {
            blobEndpoint = ParseHttpUri(blobEndpointText, "BlobEndpoint");
            if (blobEndpoint.Query.Length > 0 || blobEndpoint.Fragment.Length > 0)
            {
                throw new ArgumentException("The Azure Storage connection string is invalid: BlobEndpoint must not have a query or fragment.", "connectionString");
            }
        }
        else
        {
            var suffix = values.TryGetValue("EndpointSuffix", out var suffixText) && suffixText.Length > 0 ? suffixText : "core.windows.net";
            if (Uri.CheckHostName($"{accountName}.blob.{suffix}") != UriHostNameType.Dns)
            {
                throw new ArgumentException($"The Azure Storage connection string is invalid: EndpointSuffix '{suffix}' is not a host name.", "connectionString");
            }
            blobEndpoint = new Uri($"{protocol}://{accountName.ToLowerInvariant()}.blob.{suffix}");
        }

        return new AzureStorageConnectionString(accountName, accountKey, TrimSlash(blobEndpoint), isDevelopmentStorage: false);
    }

    private static Uri ParseHttpUri(string text, string key)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            || uri.Host.Length == 0)
        {
            throw new ArgumentException($"The Azure Storage connection string is invalid: {key} '{text}' is not an absolute http or https URL.", "connectionString");
        }
        return uri;
    }

    private static Uri TrimSlash(Uri uri)
    {
        var text = uri.GetLeftPart(UriPartial.Path).TrimEnd('/');
        return new Uri(text, UriKind.Absolute);
    }
}
