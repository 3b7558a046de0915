namespace SelfService.Tests.Infrastructure;

// One app per database, for test classes written once with one sealed subclass per database:
//   public abstract class FooTests(AppFactory app) { ... }
//   public sealed class SqliteFooTests(SqliteApp app) : FooTests(app), IClassFixture<SqliteApp>;
// A server that is not given skips the subclass's tests, with the reason, at their first use of the app.

public sealed class SqliteApp : AppFactory;

public sealed class PostgreSqlApp : AppFactory
{
    public PostgreSqlApp() => Database = TestDatabase.PostgreSql;
}

public sealed class SqlServerApp : AppFactory
{
    public SqlServerApp() => Database = TestDatabase.SqlServer;
}
