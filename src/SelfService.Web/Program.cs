using SelfService.Data;
using SelfService.Web;

var builder = WebApplication.CreateBuilder(args);
var migrate = args.Contains("migrate");
try
{
    builder.AddDatabase();
    if (!migrate) builder.AddSelfService();
}
catch (ConfigurationProblem problem)
{
    Console.Error.WriteLine(problem.Message);
    return 1;
}

if (migrate)
{
    // For production deployments: apply the migrations, then exit without serving.
    using var migrator = builder.Build();
    migrator.Services.GetRequiredService<Migrations>().Apply();
    Console.WriteLine("Database is up to date.");
    return 0;
}

var app = builder.Build();
app.UseSelfService();
try
{
    app.Run();
}
catch (Microsoft.Extensions.Options.OptionsValidationException problem)
{
    // Options changed after composition and checked by ValidateOnStart: still one line, before anything started.
    Console.Error.WriteLine($"Configuration error: {problem.Message}");
    return 1;
}
return 0;

public partial class Program;
