using SelfService.Api;
using SelfService.Data;
using SelfService.Health;
using SelfService.Identity;
using SelfService.Integration;
using SelfService.Jobs;
using SelfService.Requests;
using SelfService.Metering;
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
builder.AddRequests();
builder.AddIntegration();
builder.AddMetering();
if (!worker)
{
    builder.AddSignIn();
    builder.AddApi();
    builder.AddWebPages();
}
else
{
    // No pages, but on an empty embedded database the worker seeds the demo as the web app would: users and a key.
    builder.Services.AddSingleton<SelfService.Identity.UserStore>();
    builder.Services.AddSingleton<ApiKeyStore>();
}

var app = builder.Build();
if (!worker)
{
    app.UseWebPages();
    app.MapJobDashboard();
    app.MapIntegration();
    app.MapMetering();
}
app.MapHealth();
app.Run();
return 0;

public partial class Program;
