using Microsoft.Extensions.Options;

namespace Raft.Persistence.Sqlite;

/// <summary>
/// Checks a named <see cref="SqliteGrainStorageOptions"/> when the host starts (the registration asks for
/// ValidateOnStart), so that a missing setting stops the silo with an <see cref="OptionsValidationException"/> naming
/// the setting and the provider, before anything runs. Whether the path can be opened is checked by the provider
/// itself at silo start.
/// </summary>
internal sealed class SqliteGrainStorageOptionsValidator : IValidateOptions<SqliteGrainStorageOptions>
{
    public ValidateOptionsResult Validate(string? name, SqliteGrainStorageOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.Path))
        {
            return ValidateOptionsResult.Fail(
                $"{nameof(SqliteGrainStorageOptions)}.{nameof(SqliteGrainStorageOptions.Path)} of SQLite grain storage '{name}' is empty: " +
                "set it to the database file (a relative path resolves against the current directory).");
        }
        if (options.BusyTimeout < TimeSpan.Zero)
        {
            return ValidateOptionsResult.Fail(
                $"{nameof(SqliteGrainStorageOptions)}.{nameof(SqliteGrainStorageOptions.BusyTimeout)} of SQLite grain storage '{name}' is negative ({options.BusyTimeout}).");
        }
        return ValidateOptionsResult.Success;
    }
}
