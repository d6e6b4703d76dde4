using Npgsql;

namespace CompatService.Api.Ingest;

public static class UniqueViolation
{
    /// <summary>PostgreSQL 23505 anywhere in the chain (EF wraps it in DbUpdateException).</summary>
    public static bool Is(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
            if (x is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
                return true;
        return false;
    }
}
