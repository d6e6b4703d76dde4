using CompatService.Tests.Shared;

namespace CompatService.Api.Tests.Infrastructure;

/// <summary>A fact that is skipped, with its reason, when no PostgreSQL can be started here.</summary>
public sealed class PgFactAttribute : FactAttribute
{
    public PgFactAttribute()
    {
        if (PostgresServer.FindBin() is null) Skip = "PostgreSQL binaries not found under /usr/lib/postgresql/*/bin (apt-get install postgresql)";
    }
}

/// <summary>Needs PostgreSQL and the shared corpus.</summary>
public sealed class PgCorpusFactAttribute : FactAttribute
{
    public PgCorpusFactAttribute()
    {
        if (PostgresServer.FindBin() is null) Skip = "PostgreSQL binaries not found under /usr/lib/postgresql/*/bin (apt-get install postgresql)";
        else if (!CompatService.Tests.Shared.TestPaths.HasCorpus) Skip = CompatService.Tests.Shared.TestPaths.NoCorpusReason;
    }
}

/// <summary>A theory that is skipped, with its reason, when no PostgreSQL can be started here.</summary>
public sealed class PgTheoryAttribute : TheoryAttribute
{
    public PgTheoryAttribute()
    {
        if (PostgresServer.FindBin() is null) Skip = "PostgreSQL binaries not found under /usr/lib/postgresql/*/bin (apt-get install postgresql)";
    }
}
