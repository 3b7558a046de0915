using SelfService.Tests.Infrastructure;

namespace SelfService.Tests.Pages;

public sealed class StatusTests(AppFactory app) : IClassFixture<AppFactory>
{
    [Theory]
    [InlineData(404, "Page not found")]
    [InlineData(403, "Not allowed")]
    [InlineData(500, "Something went wrong")]
    public async Task Get_NamesWhatHappened_WithoutSigningIn(int code, string title)
    {
        var page = await PageClient.Anonymous(app).GetDocument($"/status?code={code}");
        Assert.Equal(title, page.QuerySelector("main h1")!.Text());
        Assert.Equal("/", page.QuerySelector("main a[href='/']")!.GetAttribute("href"));
    }

    [Fact]
    public async Task AnUnknownAddress_Answers404_WithTheStatusPage()
    {
        var response = await PageClient.Anonymous(app).Get("/no-such-page");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, response.StatusCode);
        var page = await PageClient.Parse(response);
        Assert.Equal("Page not found", page.QuerySelector("main h1")!.Text());
        Assert.Contains("not yours to see", page.QuerySelector("main")!.Text());
    }
}
