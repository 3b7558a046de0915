using SelfService.Data;
using SelfService.Web;

var builder = WebApplication.CreateBuilder(args);
try
{
    builder.AddDatabase();
}
catch (ConfigurationProblem problem)
{
    Console.Error.WriteLine(problem.Message);
    return 1;
}

if (args.Contains("migrate"))
{
    // For production deployments: apply the migrations, then exit without serving.
    using var migrator = builder.Build();
    migrator.Services.GetRequiredService<Migrations>().Apply();
    Console.WriteLine("Database is up to date.");
    return 0;
}

builder.AddSelfService();
var app = builder.Build();
app.UseSelfService();
app.Run();
return 0;

public partial class Program;
