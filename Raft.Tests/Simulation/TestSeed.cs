using System.Globalization;

namespace Raft.Tests.Simulation;

/// <summary>Seeds that an environment variable can fix, to replay or explore a run.</summary>
public static class TestSeed
{
    /// <summary>The integer in environment variable <paramref name="name"/>, or null when it is unset or not an integer.</summary>
    public static int? FromEnvironment(string name) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var seed)
            ? seed
            : null;
}
