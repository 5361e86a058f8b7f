using Raft.Persistence.AzureStorage;
using Raft.Runtime;
using Raft.Runtime.Storage;
using Xunit;

namespace Raft.Tests.AzureBlob;

/// <summary>Pieces of the Azure Blob provider that need no emulator: signing, connection strings, blob names, backoff.</summary>
public sealed class AzureBlobUnitTests
{
    private const string Date = "Sat, 21 Nov 2026 22:00:00 GMT";

    [Fact]
    public void SharedKey_PutBlob_MatchesHandComputedVector()
    {
        using var request = new HttpRequestMessage(
            HttpMethod.Put,
            new Uri("http://127.0.0.1:10000/devstoreaccount1/grainstate/state-raftpeer/peer%201", new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true }))
        {
            Content = new ByteArrayContent("hello"u8.ToArray()),
        };
        request.Headers.TryAddWithoutValidation("x-ms-version", "2021-08-06");
        request.Headers.TryAddWithoutValidation("x-ms-date", Date);
        request.Headers.TryAddWithoutValidation("x-ms-blob-type", "BlockBlob");
        request.Headers.TryAddWithoutValidation("If-Match", "\"0x8DC0FFEE\"");

        var signer = new SharedKeySigner(AzureStorageConnectionString.DevelopmentAccountName, AzureStorageConnectionString.DevelopmentAccountKey);
        var expected = string.Join('\n',
            "PUT",
            "",                  // Content-Encoding
            "",                  // Content-Language
            "5",                 // Content-Length
            "",                  // Content-MD5
            "",                  // Content-Type
            "",                  // Date (x-ms-date is used)
            "",                  // If-Modified-Since
            "\"0x8DC0FFEE\"",    // If-Match
            "",                  // If-None-Match
            "",                  // If-Unmodified-Since
            "",                  // Range
            "x-ms-blob-type:BlockBlob",
            "x-ms-date:" + Date,
            "x-ms-version:2021-08-06",
            "/devstoreaccount1/devstoreaccount1/grainstate/state-raftpeer/peer%201");
        Assert.Equal(expected, signer.BuildStringToSign(request));

        signer.Sign(request);
        // HMAC-SHA256 of the string above with the development key, computed independently (Python hmac).
        Assert.Equal("SharedKey devstoreaccount1:qMTmBSfg+HRsWgmnmCQ8p2m5SL9cAe79ylkIY5eWVVw=", request.Headers.NonValidated["Authorization"].ToString());
    }

    [Fact]
    public void SharedKey_CreateContainer_SignsEmptyContentLengthAndQuery()
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, "http://127.0.0.1:10000/devstoreaccount1/grainstate?restype=container");
        request.Headers.TryAddWithoutValidation("x-ms-version", "2021-08-06");
        request.Headers.TryAddWithoutValidation("x-ms-date", Date);
        var signer = new SharedKeySigner(AzureStorageConnectionString.DevelopmentAccountName, AzureStorageConnectionString.DevelopmentAccountKey);

        var expected = "PUT\n\n\n\n\n\n\n\n\n\n\n\n" +
            "x-ms-date:" + Date + "\n" +
            "x-ms-version:2021-08-06\n" +
            "/devstoreaccount1/devstoreaccount1/grainstate\nrestype:container";
        Assert.Equal(expected, signer.BuildStringToSign(request));
        Assert.Equal("L5fu6x5WfRz1eROWvUZecWxnDQ8T/rvE72+tEc8Fx48=", signer.ComputeSignature(expected));
    }

    [Fact]
    public void SharedKey_EmptyContentIsSignedAsEmptyContentLength()
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, "https://acct.blob.core.windows.net/c/b") { Content = new ByteArrayContent([]) };
        var signer = new SharedKeySigner("acct", Convert.ToBase64String(new byte[32]));
        Assert.StartsWith("PUT\n\n\n\n", signer.BuildStringToSign(request));
        Assert.EndsWith("\n/acct/c/b", signer.BuildStringToSign(request));
    }

    [Fact]
    public void ConnectionString_ExplicitEndpoint()
    {
        var parsed = AzureStorageConnectionString.Parse(
            "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" + AzureStorageConnectionString.DevelopmentAccountKey +
            ";BlobEndpoint=http://127.0.0.1:12345/devstoreaccount1/;");
        Assert.Equal("devstoreaccount1", parsed.AccountName);
        Assert.Equal("http://127.0.0.1:12345/devstoreaccount1", parsed.BlobEndpoint.ToString());
        Assert.Equal(Convert.FromBase64String(AzureStorageConnectionString.DevelopmentAccountKey), parsed.AccountKey);
        Assert.False(parsed.IsDevelopmentStorage);
    }

    [Fact]
    public void ConnectionString_DefaultEndpointFromAccountAndProtocol()
    {
        var key = Convert.ToBase64String(new byte[64]);
        Assert.Equal("https://myaccount.blob.core.windows.net/",
            AzureStorageConnectionString.Parse($"AccountName=myaccount;AccountKey={key}").BlobEndpoint.ToString());
        Assert.Equal("http://myaccount.blob.core.chinacloudapi.cn/",
            AzureStorageConnectionString.Parse($"DefaultEndpointsProtocol=http;AccountName=myaccount;AccountKey={key};EndpointSuffix=core.chinacloudapi.cn").BlobEndpoint.ToString());
    }

    [Fact]
    public void ConnectionString_DevelopmentStorage()
    {
        var dev = AzureStorageConnectionString.Parse("UseDevelopmentStorage=true");
        Assert.True(dev.IsDevelopmentStorage);
        Assert.Equal("devstoreaccount1", dev.AccountName);
        Assert.Equal("http://127.0.0.1:10000/devstoreaccount1", dev.BlobEndpoint.ToString());
        Assert.Equal(Convert.FromBase64String(AzureStorageConnectionString.DevelopmentAccountKey), dev.AccountKey);

        var proxied = AzureStorageConnectionString.Parse("UseDevelopmentStorage=true;DevelopmentStorageProxyUri=http://ipv4.fiddler");
        Assert.Equal("http://ipv4.fiddler:10000/devstoreaccount1", proxied.BlobEndpoint.ToString());
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("AccountKey=c2VjcmV0", "AccountName is missing")]
    [InlineData("AccountName=acct", "AccountKey is missing")]
    [InlineData("AccountName=acct;AccountKey=not*base64!", "AccountKey is not valid base64")]
    [InlineData("AccountName=acct;AccountKey=c2VjcmV0;DefaultEndpointsProtocol=ftp", "DefaultEndpointsProtocol")]
    [InlineData("AccountName=acct;AccountKey=c2VjcmV0;BlobEndpoint=not a url", "BlobEndpoint")]
    [InlineData("AccountName=acct;AccountKey=c2VjcmV0;AcountKey=x", "unknown key 'AcountKey'")]
    [InlineData("AccountName=acct;AccountKey=c2VjcmV0;SharedAccessSignature=sv=1", "SharedAccessSignature")]
    [InlineData("UseDevelopmentStorage=false", "UseDevelopmentStorage")]
    [InlineData("UseDevelopmentStorage=true;AccountName=x", "'AccountName' cannot be combined")]
    [InlineData("AccountName=acct;c2VjcmV0", "segment 2")]
    public void ConnectionString_Invalid_NamesTheProblemWithoutTheKey(string connectionString, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => AzureStorageConnectionString.Parse(connectionString));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("c2VjcmV0", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("not*base64!", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ConnectionString_ToStringNeverShowsTheKey()
    {
        var parsed = AzureStorageConnectionString.Parse("UseDevelopmentStorage=true");
        Assert.DoesNotContain(AzureStorageConnectionString.DevelopmentAccountKey, parsed.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void BlobName_FollowsOrleansLayout_AndPathIsEscapedPerSegment()
    {
        Assert.Equal("log-raftpeer/cluster-a/peer-1", AzureBlobGrainStorage.GetBlobName("log", new GrainId("raftpeer", "cluster-a/peer-1")));

        var name = AzureBlobGrainStorage.GetBlobName("state", new GrainId("raftpeer", "a b?c#d%e+é"));
        Assert.Equal("state-raftpeer/a b?c#d%e+é", name);
        using var storage = new AzureBlobGrainStorage(
            new AzureBlobStorageOptions { ConnectionString = "UseDevelopmentStorage=true" }, new JsonGrainStorageSerializer());
        Assert.Equal("/grainstate/state-raftpeer/a%20b%3Fc%23d%25e%2B%C3%A9", storage.GetBlobPath(name));
        Assert.Equal("/devstoreaccount1/grainstate/state-raftpeer/a%20b%3Fc%23d%25e%2B%C3%A9", storage.GetRequestUri(storage.GetBlobPath(name)).AbsolutePath);

        Assert.Throws<ArgumentException>(() => AzureBlobGrainStorage.GetBlobName("state", new GrainId("raftpeer", "..")));
        Assert.Throws<ArgumentException>(() => AzureBlobGrainStorage.GetBlobName("state", new GrainId("raftpeer", "x/")));
        Assert.Throws<ArgumentException>(() => AzureBlobGrainStorage.GetBlobName("state", new GrainId("raftpeer", new string('k', 1100))));
    }

    [Fact]
    public void Options_AreValidated()
    {
        var serializer = new JsonGrainStorageSerializer();
        Assert.Throws<ArgumentException>(() => new AzureBlobGrainStorage(new AzureBlobStorageOptions(), serializer));
        Assert.Throws<ArgumentException>(() => new AzureBlobGrainStorage(
            new AzureBlobStorageOptions { ConnectionString = "UseDevelopmentStorage=true", ContainerName = "Grain_State" }, serializer));
        Assert.Throws<ArgumentException>(() => new AzureBlobGrainStorage(
            new AzureBlobStorageOptions { ConnectionString = "UseDevelopmentStorage=true", RequestTimeout = TimeSpan.Zero }, serializer));
        Assert.Throws<ArgumentException>(() => new AzureBlobGrainStorage(
            new AzureBlobStorageOptions { ConnectionString = "UseDevelopmentStorage=true", MaxRetries = -1 }, serializer));
    }

    [Fact]
    public void RetryDelays_GrowExponentially_WithSeededJitter()
    {
        var options = new AzureBlobStorageOptions
        {
            RetryBaseDelay = TimeSpan.FromMilliseconds(100),
            RetryMaxDelay = TimeSpan.FromMilliseconds(1000),
            RetryJitterSeed = 42,
        };
        var first = new BlobRetryPolicy(options);
        var second = new BlobRetryPolicy(options);
        for (var retry = 1; retry <= 8; retry++)
        {
            var nominal = Math.Min(1000, 100 * Math.Pow(2, retry - 1));
            var delay = first.DelayBeforeRetry(retry);
            Assert.InRange(delay.TotalMilliseconds, nominal / 2, nominal);
            Assert.Equal(delay, second.DelayBeforeRetry(retry));
        }
        Assert.True(BlobRetryPolicy.IsRetryableStatus(503));
        Assert.True(BlobRetryPolicy.IsRetryableStatus(500));
        Assert.True(BlobRetryPolicy.IsRetryableStatus(408));
        Assert.False(BlobRetryPolicy.IsRetryableStatus(404));
        Assert.False(BlobRetryPolicy.IsRetryableStatus(409));
        Assert.False(BlobRetryPolicy.IsRetryableStatus(412));
        Assert.False(BlobRetryPolicy.IsRetryableStatus(403));
    }

    [Fact]
    public void AzuriteConfig_ProducesArgumentsAndConnectionString()
    {
        var root = AzuriteConfig.FindRepositoryRoot(AppContext.BaseDirectory);
        Assert.NotNull(root);
        var config = AzuriteConfig.Load(Path.Combine(root!, AzuriteConfig.FileName));
        Assert.Equal(10000, config.BlobPort);
        var arguments = config.BuildArguments(12345, "/tmp/x");
        Assert.Equal(["--blobHost", "127.0.0.1", "--blobPort", "12345", "--location", "/tmp/x"], arguments.Take(6));
        Assert.Contains("--skipApiVersionCheck", arguments);
        var parsed = AzureStorageConnectionString.Parse(config.GetConnectionString(12345));
        Assert.Equal("http://127.0.0.1:12345/devstoreaccount1", parsed.BlobEndpoint.ToString());
    }

    [Fact]
    public void Capabilities_WritesMayOutliveTheirWriter_AndAClearKeepsAMarkerUnlessDeleteStateOnClear()
    {
        Assert.False(new AzureBlobStorageOptions().DeleteStateOnClear);
        using var keeping = new AzureBlobGrainStorage(new AzureBlobStorageOptions { ConnectionString = "UseDevelopmentStorage=true" }, new JsonGrainStorageSerializer());
        using var deleting = new AzureBlobGrainStorage(
            new AzureBlobStorageOptions { ConnectionString = "UseDevelopmentStorage=true", DeleteStateOnClear = true }, new JsonGrainStorageSerializer());

        Assert.True(((IGrainStorage)keeping).WritesMayOutliveWriter);
        Assert.True(((IGrainStorage)keeping).ClearKeepsRecord);
        Assert.True(((IGrainStorage)deleting).WritesMayOutliveWriter);
        Assert.False(((IGrainStorage)deleting).ClearKeepsRecord);
    }
}
