using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Raft.Runtime.Hosting;

namespace Raft.Silo;

/// <summary>
/// The RaftOrleans silo. Configuration comes from appsettings.json, RAFT_-prefixed environment variables and
/// the command line (--Silo:SiloName=silo1, --Storage:Default:Path=./data/raft.db,
/// --Storage:Provider=AzureBlob --Storage:Default:ConnectionString=UseDevelopmentStorage=true, ...).
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        HostApplicationBuilder builder;
        try
        {
            builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
            builder.Configuration.AddEnvironmentVariables("RAFT_");
            builder.Configuration.AddCommandLine(args);
            SiloConfiguration.Configure(builder);
        }
        catch (Exception exception) when (exception is FormatException or InvalidOperationException or ArgumentException)
        {
            Console.Error.WriteLine($"raft-silo: {exception.Message}");
            return 2;
        }

        using var host = builder.Build();
        try
        {
            await host.RunAsync();
            return 0;
        }
        catch (Exception exception)
        {
            Console.Error.WriteLine($"raft-silo: failed to start: {exception.Message}");
            return 1;
        }
    }
}
