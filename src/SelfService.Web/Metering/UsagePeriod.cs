namespace SelfService.Metering;

/// <summary>A monthly usage period <c>[Start, End)</c> in UTC, starting on the subscription's billing anchor day.</summary>
public readonly record struct UsagePeriod(DateTime Start, DateTime End)
{
    /// <summary>The period holding <paramref name="instant"/>. An anchor past a month's last day falls on that last day.</summary>
    public static UsagePeriod Containing(DateTime instant, int anchorDay)
    {
        var start = AnchorIn(instant.Year, instant.Month, anchorDay);
        if (instant < start)
        {
            var previous = new DateTime(instant.Year, instant.Month, 1, 0, 0, 0, DateTimeKind.Utc).AddMonths(-1);
            start = AnchorIn(previous.Year, previous.Month, anchorDay);
        }
        var next = new DateTime(start.Year, start.Month, 1, 0, 0, 0, DateTimeKind.Utc).AddMonths(1);
        return new UsagePeriod(start, AnchorIn(next.Year, next.Month, anchorDay));
    }

    public UsagePeriod Previous(int anchorDay) => Containing(Start.AddTicks(-1), anchorDay);

    public UsagePeriod Next(int anchorDay) => Containing(End, anchorDay);

    public bool Contains(DateTime instant) => Start <= instant && instant < End;

    /// <summary>When periods start, as a person reads it, saying what happens in months too short for the anchor day.</summary>
    public static string Resets(int anchorDay) => anchorDay switch
    {
        <= 28 => $"Usage resets on day {anchorDay} of each month (UTC).",
        29 => "Usage resets on day 29 of each month, and on the last day of February (the 28th) when it has no 29th (UTC).",
        30 => "Usage resets on day 30 of each month, and on the last day of February (UTC).",
        _ => "Usage resets on day 31 of each month, and on the last day of months with fewer days: the 30th, or the 28th or 29th in February (UTC).",
    };

    private static DateTime AnchorIn(int year, int month, int anchorDay) =>
        new(year, month, Math.Min(anchorDay, DateTime.DaysInMonth(year, month)), 0, 0, 0, DateTimeKind.Utc);
}
