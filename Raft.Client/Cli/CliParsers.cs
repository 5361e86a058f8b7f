using System.CommandLine.Parsing;
using System.Globalization;
using System.Numerics;

namespace Raft.Client.Cli;

/// <summary>Value parsers for options: durations ("10s", "500ms"), endpoints ("host:port"), comma lists.</summary>
internal static class CliParsers
{
    /// <summary>"250ms", "10s", "1.5s", "2m", "1h", a bare number of seconds, or a TimeSpan ("00:00:10").</summary>
    public static bool TryParseDuration(string text, out TimeSpan value)
    {
        text = text.Trim();
        value = default;
        (string Suffix, double Scale)[] units = [("ms", 1e-3), ("s", 1), ("m", 60), ("h", 3600)];
        foreach (var (suffix, scale) in units)
        {
            if (text.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)
                && double.TryParse(text[..^suffix.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
            {
                return TryFromSeconds(number * scale, out value);
            }
        }
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
        {
            return TryFromSeconds(seconds, out value);
        }
        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out value);
    }

    private static bool TryFromSeconds(double seconds, out TimeSpan value)
    {
        value = default;
        if (double.IsNaN(seconds) || double.IsInfinity(seconds) || Math.Abs(seconds) > TimeSpan.MaxValue.TotalSeconds / 2)
        {
            return false;
        }
        value = TimeSpan.FromSeconds(seconds);
        return true;
    }

    /// <summary>A positive duration option value; adds a parse error otherwise.</summary>
    public static TimeSpan? ParsePositiveDuration(ArgumentResult result)
    {
        var token = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
        if (!TryParseDuration(token, out var value) || value <= TimeSpan.Zero)
        {
            result.AddError($"'{token}' is not a positive duration (examples: 500ms, 10s, 2m).");
            return null;
        }
        return value;
    }

    /// <summary>A duration of zero or more; adds a parse error otherwise.</summary>
    public static TimeSpan? ParseDuration(ArgumentResult result)
    {
        var token = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
        if (!TryParseDuration(token, out var value) || value < TimeSpan.Zero)
        {
            result.AddError($"'{token}' is not a duration (examples: 0s, 500ms, 10s).");
            return null;
        }
        return value;
    }

    /// <summary>A whole number of at least <paramref name="minimum"/>; adds a parse error otherwise.</summary>
    public static Func<ArgumentResult, T> AtLeast<T>(T minimum, string name)
        where T : struct, INumber<T>
        => result =>
        {
            var token = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
            if (!T.TryParse(token, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < minimum)
            {
                result.AddError($"{name} must be a whole number of at least {minimum} (got '{token}').");
                return minimum;
            }
            return value;
        };

    /// <summary>A number in [0, 1]; adds a parse error otherwise.</summary>
    public static double ParseFraction(ArgumentResult result)
    {
        var token = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
        if (!double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !(value is >= 0 and <= 1))
        {
            result.AddError($"'{token}' is not a fraction between 0 and 1.");
            return 0;
        }
        return value;
    }

    /// <summary>"host:port" with a non-empty host and a port in 1..65535.</summary>
    public static bool IsEndpoint(string text)
    {
        var colon = text.LastIndexOf(':');
        return colon > 0
            && int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            && port is >= 1 and <= 65535;
    }

    /// <summary>Every token split on commas, blanks dropped.</summary>
    public static string[] SplitList(ArgumentResult result) =>
        result.Tokens.SelectMany(t => t.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray();

    public static string[] ParseGateways(ArgumentResult result)
    {
        var gateways = SplitList(result);
        if (gateways.Length == 0)
        {
            result.AddError("--gateway needs a host:port.");
        }
        foreach (var gateway in gateways.Where(g => !IsEndpoint(g)))
        {
            result.AddError($"Gateway '{gateway}' is not of the form host:port (port 1-65535).");
        }
        return gateways;
    }

    public static string[] ParsePeers(ArgumentResult result)
    {
        var peers = SplitList(result);
        if (peers.Length == 0)
        {
            result.AddError("--peers needs at least one peer id (example: 0,1,2).");
        }
        else if (peers.Distinct(StringComparer.Ordinal).Count() != peers.Length)
        {
            result.AddError("--peers lists a peer twice.");
        }
        return peers;
    }
}
