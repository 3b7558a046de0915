using System.Globalization;
using System.Text;

namespace SelfService.Shared;

/// <summary>
/// The one CSV writer (RFC 4180) of every export, with one convention: UTF-8 with a byte-order mark (spreadsheets then
/// read it as UTF-8), CRLF line endings, invariant numbers (exact decimals as they are, binary floats to 6 decimals),
/// instants as ISO 8601 UTC (<c>2026-11-20T10:30:00Z</c>), quoting where needed, and text cells that would start a
/// formula (=, +, -, @) neutralised with a leading quote mark.
/// </summary>
public static class Csv
{
    public static string Line(params object?[] cells) => string.Join(',', cells.Select(Cell)) + "\r\n";

    public static string Cell(object? value)
    {
        var text = value switch
        {
            null => "",
            DateTime d => d.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            // Exact decimals keep every digit (without trailing zeros: 2.500000 is written 2.5).
            decimal m => (m / 1.000000000000000000000000000000000m).ToString(CultureInfo.InvariantCulture),
            double d => d.ToString("0.######", CultureInfo.InvariantCulture),
            float f => f.ToString("0.######", CultureInfo.InvariantCulture),
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => value.ToString() ?? "",
        };
        // A leading =, +, - or @ makes spreadsheet apps evaluate the cell; a quote mark keeps it text.
        if (value is string && text.Length > 0 && "=+-@\t\r".Contains(text[0], StringComparison.Ordinal)) text = "'" + text;
        return text.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : text;
    }

    public static readonly Encoding Utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: true);

    /// <summary>The bytes of a whole CSV document: the byte-order mark, then the text.</summary>
    public static byte[] Bytes(string text) => [.. Utf8.GetPreamble(), .. Utf8.GetBytes(text)];

    public const string ContentType = "text/csv; charset=utf-8";
}
