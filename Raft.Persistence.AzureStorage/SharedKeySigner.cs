using System.Security.Cryptography;
using System.Text;

namespace Raft.Persistence.AzureStorage;

/// <summary>
/// Shared Key authorization for the Blob service (version 2009-09-19 and later):
/// <c>Authorization: SharedKey {account}:{base64(HMAC-SHA256(key, UTF-8 string-to-sign))}</c>.
/// The string-to-sign is the verb, then the values of Content-Encoding, Content-Language, Content-Length (empty when 0),
/// Content-MD5, Content-Type, Date, If-Modified-Since, If-Match, If-None-Match, If-Unmodified-Since and Range,
/// each on its own line, then the x-ms-* headers lower-cased and sorted as <c>name:value</c> lines, then the
/// canonicalized resource: <c>/{account}{escaped URL path}</c> followed by each query parameter, name lower-cased,
/// sorted, as <c>\nname:value</c>. With path-style URLs (emulator) the path itself starts with the account name,
/// so the account appears twice: <c>/devstoreaccount1/devstoreaccount1/container/blob</c>.
/// Every header signed must be sent with exactly the signed value, so the request's headers are read raw.
/// </summary>
public sealed class SharedKeySigner
{
    private static readonly string[] StandardHeaders =
    [
        "Content-Encoding", "Content-Language", "Content-Length", "Content-MD5", "Content-Type", "Date",
        "If-Modified-Since", "If-Match", "If-None-Match", "If-Unmodified-Since", "Range",
    ];

    private readonly byte[] _key;

    public SharedKeySigner(string accountName, string base64AccountKey)
        : this(accountName, DecodeKey(base64AccountKey))
    {
    }

    public SharedKeySigner(string accountName, byte[] accountKey)
    {
        ArgumentException.ThrowIfNullOrEmpty(accountName);
        ArgumentNullException.ThrowIfNull(accountKey);
        if (accountKey.Length == 0)
        {
            throw new ArgumentException("The account key is empty.", nameof(accountKey));
        }
        AccountName = accountName;
        _key = (byte[])accountKey.Clone();
    }

    public string AccountName { get; }

    /// <summary>Sets the Authorization header. Call after every other header and the content are in place.</summary>
    public void Sign(HttpRequestMessage request)
    {
        var signature = ComputeSignature(BuildStringToSign(request));
        request.Headers.Remove("Authorization");
        request.Headers.TryAddWithoutValidation("Authorization", $"SharedKey {AccountName}:{signature}");
    }

    public string ComputeSignature(string stringToSign)
    {
        var mac = HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(stringToSign));
        return Convert.ToBase64String(mac);
    }

    public string BuildStringToSign(HttpRequestMessage request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var uri = request.RequestUri ?? throw new ArgumentException("The request has no URI.", nameof(request));
        if (!uri.IsAbsoluteUri)
        {
            throw new ArgumentException("The request URI must be absolute.", nameof(request));
        }

        var builder = new StringBuilder(256);
        builder.Append(request.Method.Method.ToUpperInvariant()).Append('\n');
        foreach (var name in StandardHeaders)
        {
            builder.Append(StandardHeaderValue(request, name)).Append('\n');
        }

        var msHeaders = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var header in request.Headers.NonValidated)
        {
            if (header.Key.StartsWith("x-ms-", StringComparison.OrdinalIgnoreCase))
            {
                msHeaders[header.Key.ToLowerInvariant()] = Canonicalize(header.Value);
            }
        }
        if (request.Content is not null)
        {
            foreach (var header in request.Content.Headers.NonValidated)
            {
                if (header.Key.StartsWith("x-ms-", StringComparison.OrdinalIgnoreCase))
                {
                    msHeaders[header.Key.ToLowerInvariant()] = Canonicalize(header.Value);
                }
            }
        }
        foreach (var (name, value) in msHeaders)
        {
            builder.Append(name).Append(':').Append(value).Append('\n');
        }

        builder.Append('/').Append(AccountName).Append(uri.AbsolutePath);
        foreach (var (name, value) in CanonicalizedQuery(uri.Query))
        {
            builder.Append('\n').Append(name).Append(':').Append(value);
        }
        return builder.ToString();
    }

    private static string StandardHeaderValue(HttpRequestMessage request, string name)
    {
        if (name == "Content-Length")
        {
            var length = request.Content?.Headers.ContentLength;
            return length is null or 0 ? "" : length.Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        if (request.Headers.NonValidated.TryGetValues(name, out var values))
        {
            return Canonicalize(values);
        }
        if (request.Content is not null && request.Content.Headers.NonValidated.TryGetValues(name, out values))
        {
            return Canonicalize(values);
        }
        return "";
    }

    private static string Canonicalize(System.Net.Http.Headers.HeaderStringValues values)
    {
        var joined = values.Count == 1 ? values.ToString() : string.Join(",", values);
        return joined.Trim();
    }

    private static IEnumerable<KeyValuePair<string, string>> CanonicalizedQuery(string query)
    {
        if (string.IsNullOrEmpty(query) || query == "?")
        {
            return [];
        }
        var parameters = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var pair in query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=');
            var name = Uri.UnescapeDataString(equals < 0 ? pair : pair[..equals]).ToLowerInvariant();
            var value = equals < 0 ? "" : Uri.UnescapeDataString(pair[(equals + 1)..].Replace('+', ' '));
            if (!parameters.TryGetValue(name, out var list))
            {
                parameters[name] = list = [];
            }
            list.Add(value);
        }
        return parameters.Select(p =>
        {
            p.Value.Sort(StringComparer.Ordinal);
            return KeyValuePair.Create(p.Key, string.Join(",", p.Value));
        });
    }

    private static byte[] DecodeKey(string base64AccountKey)
    {
        ArgumentException.ThrowIfNullOrEmpty(base64AccountKey);
        try
        {
            return Convert.FromBase64String(base64AccountKey);
        }
        catch (FormatException)
        {
            throw new ArgumentException("The account key is not valid base64.", nameof(base64AccountKey));
        }
    }
}
