using SelfService.Api;
using SelfService.Data;
using SelfService.Health;
using SelfService.Identity;
using SelfService.Jobs;
using SelfService.Operator;
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

// SelfService:Mode = Worker runs the jobs with no pages or APIs, for scale-out beside web instances.
var worker = string.Equals(builder.Configuration["SelfService:Mode"], "Worker", StringComparison.OrdinalIgnoreCase);
builder.AddJobs();
if (!worker)
{
    builder.AddSignIn();
    builder.AddApi();
    builder.AddWebPages();
    builder.AddOperatorArea();
}

var app = builder.Build();
if (!worker)
{
    app.UseWebPages();
    app.MapJobDashboard();
}
app.MapHealth();
app.Run();
return 0;

public partial class Program;
