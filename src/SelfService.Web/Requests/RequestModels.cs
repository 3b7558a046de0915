using System.Security.Claims;
using SelfService.Identity;

namespace SelfService.Requests;

public enum RequestKind { AddOn, Plan, Access }

public enum RequestState { Pending, Approved, Rejected, Cancelled, Expired }

/// <summary>The approval step a pending request waits on: its customer's Owner or Admin, or the vendor's Approvers.</summary>
public enum RequestStep { Customer, Vendor }

/// <summary>A customer user's request for an add-on, a plan change or temporary access to a feature.</summary>
public sealed record CustomerRequest
{
    public long Id { get; init; }
    public long CustomerId { get; init; }
    public string CustomerKey { get; init; } = "";
    public string CustomerName { get; init; } = "";
    public long RequestedByUserId { get; init; }
    public string RequestedBy { get; init; } = "";
    public string RequesterRole { get; init; } = "";
    public RequestKind Kind { get; init; }
    public long? AddOnId { get; init; }
    public long? PlanId { get; init; }
    public long? FeatureId { get; init; }
    public int? Quantity { get; init; }
    public int? DurationDays { get; init; }
    public long? ExtendsGrantId { get; init; }
    public string Justification { get; init; } = "";
    public RequestState State { get; init; }
    public RequestStep? Step { get; init; }
    public bool NeedsVendorApproval { get; init; }
    public int? ApprovedQuantity { get; init; }
    public int? ApprovedDurationDays { get; init; }
    public DateTime? DecidedAt { get; init; }
    public string? DecidedBy { get; init; }
    public string? DecisionReason { get; init; }
    public long? ProvisionedGrantId { get; init; }
    public int Version { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; init; }
    /// <summary>Temporary access asked for some places only: a stored region rule (<see cref="SelfService.Catalog.RegionRule"/>); null: everywhere.</summary>
    public string? Regions { get; init; }

    public SelfService.Catalog.RegionRule? Rule => SelfService.Catalog.RegionRule.FromStored(Regions);

    /// <summary>" in Germany and FR-EVENTS" for a request restricted to some places; empty otherwise.</summary>
    public string WhereText => Rule is { } rule
        ? " in " + string.Join(" and ", rule.Places.Select(p => SelfService.Catalog.Countries.IsAssigned(p) ? SelfService.Catalog.Countries.InSentence(p) : p))
        : "";

    /// <summary>The add-on, plan or feature the request is about: its name and its code or handle.</summary>
    public string TargetName { get; init; } = "";
    public string TargetCode { get; init; } = "";
    public string? FeatureKind { get; init; }
    public string? FeatureUnit { get; init; }

    /// <summary>What is asked for (or was granted), in words: "Extra Seats × 2", "Plan change to Enterprise", "4K streaming for 7 days".</summary>
    public string Title => Kind switch
    {
        RequestKind.AddOn => $"{TargetName} × {EffectiveQuantity}",
        RequestKind.Plan => $"Plan change to {TargetName}",
        _ when FeatureKind is "Boolean" or null => $"{TargetName} for {Days(EffectiveDurationDays)}{WhereText}",
        _ => $"{TargetName} +{EffectiveQuantity}{(FeatureUnit is { Length: > 0 } u ? " " + u : "")} for {Days(EffectiveDurationDays)}{WhereText}",
    };

    public string KindLabel => Kind switch { RequestKind.AddOn => "Add-on", RequestKind.Plan => "Plan change", _ => "Temporary access" };

    private static string Days(int? days) => days == 1 ? "1 day" : $"{days} days";

    public bool IsPending => State == RequestState.Pending;

    /// <summary>The quantity (add-ons) or value (numeric temporary access) that takes effect: the approved one once decided.</summary>
    public int? EffectiveQuantity => ApprovedQuantity ?? Quantity;

    public int? EffectiveDurationDays => ApprovedDurationDays ?? DurationDays;

    public string StateLabel => State switch
    {
        RequestState.Pending when Step == RequestStep.Customer => "Waiting for an Owner or Admin",
        RequestState.Pending => "Waiting for the vendor",
        _ => State.ToString(),
    };
}

/// <summary>One step of a request's history: submitted, approved at a step, rejected, provisioned, cancelled, expired.</summary>
public sealed record CustomerRequestEvent
{
    public long Id { get; init; }
    public long RequestId { get; init; }
    public DateTime At { get; init; }
    public string Actor { get; init; } = "";
    public string Action { get; init; } = "";
    public string? Note { get; init; }
}

public static class RequestActions
{
    public const string Submitted = nameof(Submitted);
    public const string ApprovedByCustomer = nameof(ApprovedByCustomer);
    public const string ApprovedByVendor = nameof(ApprovedByVendor);
    public const string ApprovedByPolicy = nameof(ApprovedByPolicy);
    public const string Rejected = nameof(Rejected);
    public const string Cancelled = nameof(Cancelled);
    public const string Expired = nameof(Expired);
    public const string Provisioned = nameof(Provisioned);

    public static string Describe(string action) => action switch
    {
        Submitted => "Requested",
        ApprovedByCustomer => "Spend approved by the customer",
        ApprovedByVendor => "Approved by the vendor",
        ApprovedByPolicy => "Approved by policy (no approval needed)",
        Rejected => "Rejected",
        Cancelled => "Cancelled",
        Expired => "Expired without a decision",
        Provisioned => "Provisioned",
        _ => action,
    };
}

/// <summary>Who acts on a request, taken from the signed-in user.</summary>
public sealed record RequestActor(long UserId, string Email, string Role, string? CustomerKey)
{
    public bool IsCustomerApprover => Role is Roles.Owner or Roles.Admin;
    public bool IsVendorApprover => Role == Roles.Approver;

    public static RequestActor From(ClaimsPrincipal user) => new(
        user.UserId(), user.Identity?.Name ?? "",
        Roles.Customer.Concat(Roles.Vendor).FirstOrDefault(user.IsInRole) ?? "",
        user.CustomerKey());
}

/// <summary>Settings of the request workflow: <c>SelfService:Requests</c>.</summary>
public sealed class RequestsOptions
{
    public const string Section = "SelfService:Requests";

    /// <summary>A request pending longer than this expires (ExpireStaleRequestsJob).</summary>
    public int StaleAfterDays { get; set; } = 14;

    /// <summary>The longest temporary access a customer can ask for.</summary>
    public int MaxAccessDays { get; set; } = 90;

    /// <summary>A temporary grant ending within this many days is announced once (GrantEndingReminderJob).</summary>
    public int ReminderDays { get; set; } = 3;

    /// <summary>Feature handles whose temporary access is approved by policy (a trial); every other feature needs an Approver.</summary>
    public List<string> AccessWithoutApproval { get; set; } = [];

    public static IEnumerable<SelfService.Data.SettingProblem> Check(RequestsOptions o) =>
        SelfService.Data.Settings.Range(nameof(StaleAfterDays), o.StaleAfterDays, 1, 3650)
            .Concat(SelfService.Data.Settings.Range(nameof(MaxAccessDays), o.MaxAccessDays, 1, 3650))
            .Concat(SelfService.Data.Settings.Range(nameof(ReminderDays), o.ReminderDays, 1, 3650));
}

/// <summary>What a customer's user fills in. Field names are the form's, so errors land beside the right field.</summary>
public sealed record RequestDraft
{
    public RequestKind? Kind { get; init; }
    public string? AddOnCode { get; init; }
    public int? Quantity { get; init; }
    public string? PlanCode { get; init; }
    public string? FeatureHandle { get; init; }
    public int? Amount { get; init; }
    public int? DurationDays { get; init; }
    public long? ExtendsGrantId { get; init; }
    /// <summary>Temporary access only: the countries or regions it is asked for (empty: everywhere), such as "DE" or "EU".</summary>
    public string? Places { get; init; }
    public string? Justification { get; init; }
    public bool ConfirmDowngrade { get; init; }
    /// <summary>The form's one-time token: a second submission with it finds the first request instead of making another.</summary>
    public string? SubmissionKey { get; init; }
}

/// <summary>A decision on a pending request. Approvals may lower the quantity or shorten the duration.</summary>
public sealed record RequestDecision(bool Approve, string? Reason = null, int? Quantity = null, int? DurationDays = null);

public enum OutcomeStatus { Done, Invalid, NotFound, Forbidden, AlreadyDecided, Duplicate }

/// <summary>The result of a submission or a decision: done (with the request), errors by field, or why nothing happened.</summary>
public sealed record RequestOutcome(OutcomeStatus Status, CustomerRequest? Request = null, IReadOnlyDictionary<string, string>? Errors = null, string? Message = null)
{
    public bool Succeeded => Status == OutcomeStatus.Done;
    public static RequestOutcome Invalid(Dictionary<string, string> errors) => new(OutcomeStatus.Invalid, Errors: errors);
    public static readonly RequestOutcome NotFound = new(OutcomeStatus.NotFound);
    public static readonly RequestOutcome Forbidden = new(OutcomeStatus.Forbidden);
}
