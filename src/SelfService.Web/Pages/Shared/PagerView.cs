using SelfService.Shared;

namespace SelfService.Pages.Shared;

/// <summary>What <c>_Pager</c> shows under a long list: where the rows sit in the whole ("41–80 of 233") and links to the pages beside.</summary>
public sealed record PagerView(string Label, long Total, int Number, int Pages, string Range, string? Message, string? Previous, string? Next, string? FirstLink, string? LastLink)
{
    /// <summary>The pager of <paramref name="page"/>; <paramref name="link"/> makes the address of a page number, keeping the filters.</summary>
    public static PagerView Of<T>(Paged<T> page, Func<int, string> link, string label) => new(label, page.Total, page.Number, page.Pages, page.Range, page.Message,
        page.HasPrevious ? link(page.Number - 1) : null, page.HasNext ? link(page.Number + 1) : null,
        page.Number > 2 ? link(1) : null, page.Number < page.Pages - 1 ? link(page.Pages) : null);
}
