using System.Globalization;

namespace SelfService.Shared;

/// <summary>
/// One page of a long list, as a page shows it: its rows, the total that matched, which page of how many, and a
/// message when the page asked for did not exist (then the nearest one that does is shown instead).
/// </summary>
public sealed record Paged<T>(IReadOnlyList<T> Rows, long Total, int Number, int Size, string? Message = null)
{
    public int Pages => Paging.PagesOf(Total, Size);

    /// <summary>The position of the first row shown, counted from 1 (0 when nothing matched).</summary>
    public long First => Rows.Count == 0 ? 0 : (long)(Number - 1) * Size + 1;

    public long Last => Rows.Count == 0 ? 0 : First + Rows.Count - 1;

    /// <summary>"41–80 of 233"; "1 of 1"; "none".</summary>
    public string Range => Total == 0 ? "none"
        : First == Last ? $"{First.ToString("N0", CultureInfo.InvariantCulture)} of {Total.ToString("N0", CultureInfo.InvariantCulture)}"
        : $"{First.ToString("N0", CultureInfo.InvariantCulture)}–{Last.ToString("N0", CultureInfo.InvariantCulture)} of {Total.ToString("N0", CultureInfo.InvariantCulture)}";

    public bool HasPrevious => Number > 1;
    public bool HasNext => Number < Pages;
}

/// <summary>
/// Offset paging over a stable order (every list orders by a unique key last, so pages neither repeat nor skip a row).
/// The page number comes from the query string as text: anything that is not a page (junk, 0, negative, past the end)
/// shows the first or the last page with a message, never an error.
/// </summary>
public static class Paging
{
    /// <summary>The query string parameter that carries the page number.</summary>
    public const string Parameter = "p";

    public static int PagesOf(long total, int size) => (int)Math.Max(1, (total + size - 1) / size);

    /// <summary>
    /// Counts, picks the page <paramref name="requested"/> names (or the nearest that exists) and reads its rows
    /// (<c>offset</c>, <c>limit</c>).
    /// </summary>
    public static async Task<Paged<T>> ReadAsync<T>(string? requested, int size, Func<Task<long>> count, Func<int, int, Task<IReadOnlyList<T>>> rows)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        var total = await count();
        var (number, message) = Resolve(requested, PagesOf(total, size));
        var read = await rows((number - 1) * size, size);
        return new Paged<T>(read, total, number, size, message);
    }

    /// <summary>The page to show for <paramref name="requested"/> among <paramref name="pages"/>, and why it is not the one asked for.</summary>
    public static (int Number, string? Message) Resolve(string? requested, int pages)
    {
        var text = requested?.Trim();
        if (string.IsNullOrEmpty(text)) return (1, null);
        if (text.Length > 40) text = text[..40] + "…";
        if (!text.All(char.IsAsciiDigit) || text.TrimStart('0').Length == 0)
            return (1, $"“{text}” is not a page number; showing the first page.");
        if (text.TrimStart('0').Length > 9 || int.Parse(text, CultureInfo.InvariantCulture) > pages)
            return (pages, pages == 1 ? "There is only one page; showing it." : $"There are only {pages} pages; showing the last.");
        return (int.Parse(text, CultureInfo.InvariantCulture), null);
    }
}

/// <summary>A case-insensitive "contains" search over text columns: <c>lower(column) like @pattern</c>.</summary>
public static class TextSearch
{
    /// <summary>The like-pattern of <paramref name="query"/> (null when empty); wildcard characters in it are dropped, not obeyed.</summary>
    public static string? ContainsPattern(string? query)
    {
        var q = query?.Trim().ToLowerInvariant();
        if (string.IsNullOrEmpty(q)) return null;
        q = q.Replace("[", "", StringComparison.Ordinal).Replace("%", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal);
        return q.Length == 0 ? null : "%" + q + "%";
    }
}
