using System.Data.Common;
using Dapper;
using SelfService.Audit;
using SelfService.Data;
using SelfService.Identity;
using SelfService.Mail;

namespace SelfService.Accounts;

public sealed record Person
{
    public long Id { get; init; }
    public string Email { get; init; } = "";
    public string DisplayName { get; init; } = "";
    public string Role { get; init; } = "";
    public DateTime? LastSignInAt { get; init; }
    public DateTime CreatedAt { get; init; }
}

public sealed record PendingInvitation
{
    public long Id { get; init; }
    public string Email { get; init; } = "";
    public string? Name { get; init; }
    public string Role { get; init; } = "";
    public string InvitedBy { get; init; } = "";
    public DateTime SentAt { get; init; }
    public DateTime ExpiresAt { get; init; }
}

public sealed record TeamView(IReadOnlyList<Person> People, IReadOnlyList<PendingInvitation> Invitations);

/// <summary>What the invitations table shows: with Resend and Revoke where <see cref="CanManage"/> allows, and a refused row's reason.</summary>
public sealed record InvitationsTable(IReadOnlyList<PendingInvitation> Invitations, DateTime Now, bool ShowActions, Func<string, bool> CanManage, (long Id, string Message)? RowError);

/// <summary>
/// Who changes a team: a person of the customer (re-read from the database in the change's transaction, never trusted
/// from the cookie), or the vendor (an Operator, the CRM), who may invite and resend but is no member.
/// </summary>
public sealed record TeamActor(string Name, long? UserId)
{
    public static TeamActor Vendor(string name) => new(name, null);

    public static TeamActor Person(System.Security.Claims.ClaimsPrincipal user) =>
        user.IsVendorStaff() ? Vendor(user.Identity?.Name ?? "staff") : new(user.Identity?.Name ?? "", user.UserId());
}

public static class InviteInput
{
    /// <summary>What is wrong with an address typed into an invite form, or null.</summary>
    public static string? EmailProblem(string email) =>
        email.Length == 0 ? "Enter the email address of the person to invite."
        : email.Length > 320 || !new System.ComponentModel.DataAnnotations.EmailAddressAttribute().IsValid(email) ? "Enter an email address like name@example.com."
        : null;
}

/// <summary>Null when the change was made; otherwise the field it is about ("" for the whole form) and why not.</summary>
public sealed record TeamRefusal(string Field, string Message, string? LinkUrl = null, string? LinkText = null);

/// <summary>
/// A customer's people: the team list, invitations (single-use links valid <see cref="InvitationValidFor"/>, stored
/// only as a hash), role changes, removals and leaving. Every change runs in one write transaction that first locks
/// the customer's row, so two changes to one team never interleave (the last Owner stays, an address is invited once),
/// and writes its audit entry and its mail in that transaction.
/// </summary>
public sealed partial class Team(Db db, Mailer mailer, PublicUrl publicUrl, UserStore users, SessionStore sessions, AuditLog audit, TimeProvider clock,
    SelfService.Entitlements.EntitlementService entitlements, SelfService.Catalog.CatalogStore catalog)
{
    public static readonly TimeSpan InvitationValidFor = TimeSpan.FromDays(7);
    public const string InvitationMailKind = "invitation";
    public const string ReissueMailKind = "invitation-reissue-request";

    public static string InvitationPath(string token) => $"/account/invitation/{token}";

    /// <summary>The roles <paramref name="actorRole"/> may give (null: the vendor, who may give any).</summary>
    public static IReadOnlyList<string> AssignableBy(string? actorRole) => actorRole switch
    {
        null or Roles.Owner => Roles.Customer,
        Roles.Admin => [Roles.Admin, Roles.Member],
        _ => [],
    };

    /// <summary>Whether <paramref name="actorRole"/> may change or remove a person holding <paramref name="targetRole"/>.</summary>
    public static bool CanManage(string? actorRole, string targetRole) => AssignableBy(actorRole).Contains(targetRole);

    internal const string PeopleSql = """
        select Id, Email, DisplayName, Role, LastSignInAt, CreatedAt
          from AppUser
         where CustomerId = @customerId
           and RemovedAt is null
         order by case Role when 'Owner' then 0 when 'Admin' then 1 else 2 end, DisplayName, Email
        """;

    internal const string OpenInvitationsSql = """
        select Id, Email, Name, Role, InvitedBy, SentAt, ExpiresAt
          from Invitation
         where CustomerId = @customerId
           and IsOpen = @open
         order by SentAt desc, Id desc
        """;

    public async Task<TeamView> ViewAsync(long customerId, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        var people = await c.QueryAsync<Person>(new CommandDefinition(PeopleSql, new { customerId }, cancellationToken: ct));
        var invitations = await c.QueryAsync<PendingInvitation>(new CommandDefinition(OpenInvitationsSql, new { customerId, open = true }, cancellationToken: ct));
        return new TeamView(people.AsList(), invitations.AsList());
    }

    // ---- one change at a time per customer ------------------------------------------------------------------

    internal const string CustomerByIdSql = "select Id, ExternalKey, Name from Customer where Id = @customerId";

    /// <summary>Locks the customer's row: every change to one team takes this lock first, so they run one at a time.</summary>
    internal string CustomerForUpdateSql => db.Dialect.LockingRows(CustomerByIdSql, "Customer");

    private sealed record CustomerRow { public long Id { get; init; } public string ExternalKey { get; init; } = ""; public string Name { get; init; } = ""; }

    private sealed record Change(DbConnection C, DbTransaction Tx, MailBatch Mail, CustomerRow Customer, AppUser? Actor, string ActorName, DateTime Now)
    {
        /// <summary>The actor's role in this customer; null for the vendor.</summary>
        public string? Role => Actor?.Role;
    }

    /// <summary>
    /// Runs <paramref name="work"/> with the customer's row locked and the actor re-read: a person removed or changed
    /// since their page loaded is refused here, whatever their cookie says.
    /// </summary>
    private Task<TeamRefusal?> ChangeAsync(long customerId, TeamActor actor, Func<Change, Task<TeamRefusal?>> work, CancellationToken ct) =>
        mailer.WriteAsync(async (c, tx, mail) =>
        {
            var customer = await c.QuerySingleAsync<CustomerRow>(
                CustomerForUpdateSql, new { customerId }, tx);
            AppUser? person = null;
            if (actor.UserId is { } id)
            {
                person = await users.FindAsync(id, c, tx, ct);
                if (person?.CustomerId != customerId) return new TeamRefusal("", "You are no longer a member of this account.");
            }
            // Every refusal comes before the first write, so a refused change commits nothing.
            return await work(new Change(c, tx, mail, customer, person, person?.Email ?? actor.Name, clock.GetUtcNow().UtcDateTime));
        }, ct);

    private Task Audit(Change ch, string kind, string subject, string? oldValue = null, string? newValue = null, string? reason = null) =>
        audit.WriteAsync(ch.C, ch.Tx, new AuditEntry
        {
            At = ch.Now, Actor = ch.ActorName, CustomerId = ch.Customer.Id, Kind = kind, Subject = subject, OldValue = oldValue, NewValue = newValue, Reason = reason,
        });

    // ---- invitations ----------------------------------------------------------------------------------------

    private sealed record InvitationRow
    {
        public long Id { get; init; }
        public long CustomerId { get; init; }
        public string Email { get; init; } = "";
        public string? Name { get; init; }
        public string Role { get; init; } = "";
        public string InvitedBy { get; init; } = "";
        public DateTime ExpiresAt { get; init; }
        public DateTime? AcceptedAt { get; init; }
        public DateTime? RevokedAt { get; init; }
        public DateTime? ReissueRequestedAt { get; init; }
        public bool IsOpen { get; init; }
    }

    private const string SelectInvitation = """
        select Id, CustomerId, Email, Name, Role, InvitedBy, ExpiresAt, AcceptedAt, RevokedAt, ReissueRequestedAt, IsOpen
          from Invitation

        """;

    internal const string OpenInvitationForSql = SelectInvitation + " where CustomerId = @customerId and Email = @email and IsOpen = @open";
    internal const string InvitationByIdSql = SelectInvitation + " where Id = @id and CustomerId = @customerId";
    internal const string InvitationByTokenSql = SelectInvitation + " where TokenHash = @hash";

    /// <summary>
    /// Writes a new invitation and queues its mail. One it replaces (resent, or expired and invited anew) is closed first,
    /// so its link says it was replaced rather than that it never existed.
    /// </summary>
    internal string InsertInvitationSql => db.Dialect.InsertReturningId("Invitation",
        "CustomerId", "Email", "Name", "Role", "TokenHash", "InvitedBy", "CreatedAt", "SentAt", "ExpiresAt", "IsOpen");

    private async Task IssueAsync(Change ch, string email, string? name, string role, InvitationRow? replacing)
    {
        if (replacing is not null) await ch.C.ExecuteAsync(RevokeSql, new { id = replacing.Id, now = ch.Now, open = true, closed = false }, ch.Tx);
        var token = SecretTokens.New();
        await ch.C.ExecuteAsync(InsertInvitationSql,
            new
            {
                CustomerId = ch.Customer.Id, Email = email, Name = name, Role = role, TokenHash = SecretTokens.Hash(token), InvitedBy = ch.ActorName,
                CreatedAt = ch.Now, SentAt = ch.Now, ExpiresAt = ch.Now + InvitationValidFor, IsOpen = true,
            }, ch.Tx);
        await ch.Mail.QueueAsync(ch.C, ch.Tx, InvitationMail(ch, email, name, role, token));
    }

    internal const string UserByEmailSql = "select Id, CustomerId, Role, RemovedAt from AppUser where Email = @email";

    private sealed record UserRow { public long Id { get; init; } public long? CustomerId { get; init; } public string Role { get; init; } = ""; public DateTime? RemovedAt { get; init; } }

    /// <summary>
    /// Invites <paramref name="email"/> to the customer with <paramref name="role"/> and mails the link. An address
    /// already invited and not expired is refused (a double submit sends one mail); an expired invitation is sent anew.
    /// </summary>
    public Task<TeamRefusal?> InviteAsync(long customerId, TeamActor actor, string email, string role, string? name = null, CancellationToken ct = default) =>
        ChangeAsync(customerId, actor, ch => InviteAsync(ch, email, role, name), ct);

    /// <summary>The same, inside the caller's transaction (the CRM's provisioning, an operator creating a customer).</summary>
    public async Task<TeamRefusal?> InviteInAsync(DbConnection c, DbTransaction tx, MailBatch mail, long customerId, TeamActor actor, string email, string role, string? name)
    {
        var customer = await c.QuerySingleAsync<CustomerRow>(
            CustomerForUpdateSql, new { customerId }, tx);
        return await InviteAsync(new Change(c, tx, mail, customer, null, actor.Name, clock.GetUtcNow().UtcDateTime), email, role, name);
    }

    private async Task<TeamRefusal?> InviteAsync(Change ch, string email, string role, string? name)
    {
        if (!AssignableBy(ch.Role).Contains(role))
            return new TeamRefusal("Role", ch.Role is Roles.Admin ? "Admins may invite Admins and Members; ask an Owner to invite an Owner." : "You may not invite people.");
        var address = UserStore.Normalize(email);
        var existing = await ch.C.QuerySingleOrDefaultAsync<UserRow>(UserByEmailSql, new { email = address }, ch.Tx);
        if (existing is { RemovedAt: null })
        {
            return existing.CustomerId == ch.Customer.Id
                ? new TeamRefusal("Email", $"{address} is already a member of {ch.Customer.Name}.")
                : new TeamRefusal("Email", $"{address} already belongs to another account. One person belongs to one customer account; invite another address.");
        }
        var open = await ch.C.QuerySingleOrDefaultAsync<InvitationRow>(OpenInvitationForSql, new { customerId = ch.Customer.Id, email = address, open = true }, ch.Tx);
        if (open is not null && open.ExpiresAt > ch.Now)
            return new TeamRefusal("Email", $"{address} already has a pending invitation. Resend it from the list if the mail did not arrive.");
        await IssueAsync(ch, address, name ?? open?.Name, role, replacing: open);
        await Audit(ch, AuditKinds.InvitationSent, $"invitation of {address}", newValue: role);
        return null;
    }

    /// <summary>Sends a pending (or expired) invitation again with a new link, valid 7 days from now; the old link stops working.</summary>
    public Task<TeamRefusal?> ResendAsync(long customerId, TeamActor actor, long invitationId, CancellationToken ct = default) =>
        ChangeAsync(customerId, actor, async ch =>
        {
            var invitation = await ch.C.QuerySingleOrDefaultAsync<InvitationRow>(InvitationByIdSql, new { id = invitationId, customerId }, ch.Tx);
            if (invitation is not { IsOpen: true }) return new TeamRefusal("", "That invitation was already accepted or revoked.");
            if (!CanManage(ch.Role, invitation.Role)) return new TeamRefusal("", $"Only an Owner can resend an invitation as {invitation.Role}.");
            await IssueAsync(ch, invitation.Email, invitation.Name, invitation.Role, replacing: invitation);
            await Audit(ch, AuditKinds.InvitationResent, $"invitation of {invitation.Email}", newValue: invitation.Role);
            return null;
        }, ct);

    internal const string RevokeSql = "update Invitation set IsOpen = @closed, RevokedAt = @now where Id = @id and IsOpen = @open";

    public Task<TeamRefusal?> RevokeAsync(long customerId, TeamActor actor, long invitationId, CancellationToken ct = default) =>
        ChangeAsync(customerId, actor, async ch =>
        {
            var invitation = await ch.C.QuerySingleOrDefaultAsync<InvitationRow>(InvitationByIdSql, new { id = invitationId, customerId }, ch.Tx);
            if (invitation is not { IsOpen: true }) return new TeamRefusal("", "That invitation was already accepted or revoked.");
            if (!CanManage(ch.Role, invitation.Role)) return new TeamRefusal("", $"Only an Owner can revoke an invitation as {invitation.Role}.");
            await ch.C.ExecuteAsync(RevokeSql, new { id = invitation.Id, now = ch.Now, open = true, closed = false }, ch.Tx);
            await Audit(ch, AuditKinds.InvitationRevoked, $"invitation of {invitation.Email}", oldValue: invitation.Role);
            return null;
        }, ct);

    private MailDraft InvitationMail(Change ch, string email, string? name, string role, string token)
    {
        var inviter = ch.Actor is { } a ? $"{a.DisplayName} ({a.Email})" : ch.Customer.Name + "'s provider";
        return MailDraft.Compose(InvitationMailKind, email, name, $"You are invited to {ch.Customer.Name} on SelfService",
            [name is null ? "Hello," : $"Hello {name},",
             $"{inviter} invited you to join {ch.Customer.Name} as {(role is Roles.Admin or Roles.Owner ? "an" : "a")} {role}: you will see its plan, entitlements and usage{(role == Roles.Member ? "" : ", and manage its requests")}.",
             $"The link works once and expires in {InvitationValidFor.TotalDays:0} days, on {ch.Now + InvitationValidFor:d MMMM yyyy} (UTC)."],
            ("Accept the invitation", publicUrl.Link(InvitationPath(token))),
            ["If you did not expect this invitation, ignore this message: nothing happens unless you open the link."]);
    }

    // ---- accepting ------------------------------------------------------------------------------------------

    public enum InvitationState { Valid, Unknown, Expired, Accepted, Revoked }

    public sealed record InvitationLink(InvitationState State, string Email = "", string? Name = null, string Role = "", string CustomerName = "", string InvitedBy = "",
        DateTime ExpiresAt = default);

    internal const string CustomerNameSql = "select Name from Customer where Id = @id";

    public async Task<InvitationLink> FindAsync(string token, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        var row = await c.QuerySingleOrDefaultAsync<InvitationRow>(new CommandDefinition(InvitationByTokenSql, new { hash = SecretTokens.Hash(token) }, cancellationToken: ct));
        if (row is null) return new InvitationLink(InvitationState.Unknown);
        var customerName = await c.ExecuteScalarAsync<string>(new CommandDefinition(CustomerNameSql, new { id = row.CustomerId }, cancellationToken: ct)) ?? "";
        var now = clock.GetUtcNow().UtcDateTime;
        return new InvitationLink(StateOf(row, now), row.Email, row.Name, row.Role, customerName, row.InvitedBy, row.ExpiresAt);
    }

    private static InvitationState StateOf(InvitationRow row, DateTime now) =>
        row.AcceptedAt is not null ? InvitationState.Accepted
        : row.RevokedAt is not null || !row.IsOpen ? InvitationState.Revoked
        : row.ExpiresAt <= now ? InvitationState.Expired
        : InvitationState.Valid;

    internal const string AcceptSql = "update Invitation set IsOpen = @closed, AcceptedAt = @now where Id = @id and IsOpen = @open and ExpiresAt > @now";

    internal const string RejoinSql = """
        update AppUser
           set DisplayName = @name, PasswordHash = @hash, Role = @role, CustomerId = @customerId, RemovedAt = null
         where Id = @id
           and RemovedAt is not null
        """;

    /// <summary>
    /// Accepts an invitation: creates the person (or brings back one removed earlier, from any customer) with the name and
    /// password given, and returns them to be signed in. A second submit of the same acceptance with the same password
    /// returns the same person and changes nothing.
    /// </summary>
    public async Task<(AppUser? User, InvitationState State, TeamRefusal? Refusal)> AcceptAsync(string token, string? name, string? password, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return await mailer.WriteAsync<(AppUser?, InvitationState, TeamRefusal?)>(async (c, tx, mail) =>
        {
            var row = await c.QuerySingleOrDefaultAsync<InvitationRow>(InvitationByTokenSql, new { hash = SecretTokens.Hash(token) }, tx);
            if (row is null) return (null, InvitationState.Unknown, null);
            await c.QuerySingleAsync<CustomerRow>(CustomerForUpdateSql, new { customerId = row.CustomerId }, tx);
            var state = StateOf(row, now);
            var existing = await c.QuerySingleOrDefaultAsync<UserRow>(UserByEmailSql, new { email = row.Email }, tx);
            if (state == InvitationState.Accepted && existing is { RemovedAt: null } && existing.CustomerId == row.CustomerId)
            {
                // The same acceptance again (a double click, a retry): the same person, signed in again if the password is theirs.
                var again = await users.FindAsync(existing.Id, c, tx, ct);
                return again is not null && password is not null && UserStore.Matches(again, password) ? (again, InvitationState.Valid, null) : (null, state, null);
            }
            if (state != InvitationState.Valid) return (null, state, null);
            if (existing is { RemovedAt: null })
            {
                return (null, state, existing.CustomerId == row.CustomerId
                    ? new TeamRefusal("", $"{row.Email} is already a member. Sign in instead.")
                    : new TeamRefusal("", $"{row.Email} already belongs to another customer account. One person belongs to one account: ask for an invitation to another address."));
            }
            var displayName = name?.Trim() ?? "";
            if (displayName.Length == 0) return (null, state, new TeamRefusal("Name", "Enter your name."));
            if (displayName.Length > 200) return (null, state, new TeamRefusal("Name", "Use at most 200 characters."));
            if (PasswordPolicy.Problem(password, row.Email) is { } problem) return (null, state, new TeamRefusal("Password", problem));

            if (await c.ExecuteAsync(AcceptSql, new { id = row.Id, now, open = true, closed = false }, tx) == 0) return (null, InvitationState.Accepted, null);
            var user = new AppUser { Email = row.Email, DisplayName = displayName, Role = row.Role, CustomerId = row.CustomerId };
            long id;
            if (existing is null) id = await users.CreateAsync(c, tx, user, password!, now);
            else
            {
                id = existing.Id;
                await c.ExecuteAsync(RejoinSql, new { id, name = displayName, hash = UserStore.HashFor(user, password!), role = row.Role, customerId = row.CustomerId }, tx);
            }
            await audit.WriteAsync(c, tx, new AuditEntry
            {
                At = now, Actor = row.Email, CustomerId = row.CustomerId, Kind = AuditKinds.InvitationAccepted, Subject = $"person {row.Email}",
                NewValue = row.Role, Reason = $"invited by {row.InvitedBy}",
            });
            return (await users.FindAsync(id, c, tx, ct), InvitationState.Valid, null);
        }, ct);
    }

    internal const string MarkReissueRequestedSql = """
        update Invitation
           set ReissueRequestedAt = @now
         where Id = @id
           and (ReissueRequestedAt is null or ReissueRequestedAt < @dayAgo)
        """;

    internal const string OwnersAndAdminsSql = """
        select Email, DisplayName from AppUser
         where CustomerId = @customerId and RemovedAt is null and Role in ('Owner', 'Admin')
        """;

    /// <summary>
    /// From an expired or revoked link: tells the customer's Owners and Admins that the invitee asks for a new
    /// invitation (at most once a day per invitation). True when the request went out now or earlier today.
    /// </summary>
    public async Task<bool> AskForNewInvitationAsync(string token, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return await mailer.WriteAsync(async (c, tx, mail) =>
        {
            var row = await c.QuerySingleOrDefaultAsync<InvitationRow>(InvitationByTokenSql, new { hash = SecretTokens.Hash(token) }, tx);
            if (row is null || StateOf(row, now) is not (InvitationState.Expired or InvitationState.Revoked)) return false;
            if (await c.ExecuteAsync(MarkReissueRequestedSql, new { id = row.Id, now, dayAgo = now.AddDays(-1) }, tx) == 0) return true;
            var customer = await c.QuerySingleAsync<CustomerRow>(CustomerByIdSql, new { customerId = row.CustomerId }, tx);
            var teamLink = publicUrl.Link($"/customers/{Uri.EscapeDataString(customer.ExternalKey)}/team");
            foreach (var (email, displayName) in await c.QueryAsync<(string, string)>(OwnersAndAdminsSql, new { customerId = row.CustomerId }, tx))
            {
                await mail.QueueAsync(c, tx, MailDraft.Compose(ReissueMailKind, email, displayName, $"{row.Email} asks for a new invitation to {customer.Name}",
                    [$"Hello {displayName},", $"{row.Email} opened an invitation to {customer.Name} that has {(row.RevokedAt is null ? "expired" : "been revoked")}, and asks for a new one."],
                    ("Open the team page", teamLink),
                    ["Send it again from the team page, or ignore this message if they should not join."]));
            }
            return true;
        }, ct);
    }

    // ---- the people ------------------------------------------------------------------------------------------

    internal const string OwnerCountSql = "select count(*) from AppUser where CustomerId = @customerId and RemovedAt is null and Role = 'Owner' and Id <> @except";
    internal const string SetRoleSql = "update AppUser set Role = @role where Id = @id";
    internal const string RemoveSql = "update AppUser set RemovedAt = @now where Id = @id and RemovedAt is null";

    private async Task<AppUser?> MemberAsync(Change ch, long userId)
    {
        var person = await users.FindAsync(userId, ch.C, ch.Tx);
        return person?.CustomerId == ch.Customer.Id ? person : null;
    }

    private async Task<bool> OtherOwnersAsync(Change ch, long except) =>
        await ch.C.ExecuteScalarAsync<int>(OwnerCountSql, new { customerId = ch.Customer.Id, except }, ch.Tx) > 0;

    /// <summary>Gives a person another role; their sessions end, so the new role holds from their next sign-in.</summary>
    public Task<TeamRefusal?> ChangeRoleAsync(long customerId, TeamActor actor, long userId, string role, CancellationToken ct = default) =>
        ChangeAsync(customerId, actor, async ch =>
        {
            if (await MemberAsync(ch, userId) is not { } person) return new TeamRefusal("", "That person is no longer a member of this account.");
            if (person.Id == ch.Actor?.Id) return new TeamRefusal("Role", "You cannot change your own role; another Owner can.");
            if (!CanManage(ch.Role, person.Role) || !AssignableBy(ch.Role).Contains(role))
                return new TeamRefusal("Role", ch.Role == Roles.Admin ? "Admins may change Admins and Members, to Admin or Member." : "You may not change roles.");
            if (person.Role == role) return null;
            if (person.Role == Roles.Owner && !await OtherOwnersAsync(ch, person.Id))
                return new TeamRefusal("Role", $"{person.DisplayName} is the last Owner of {ch.Customer.Name}: make someone else an Owner first.");
            await ch.C.ExecuteAsync(SetRoleSql, new { id = person.Id, role }, ch.Tx);
            await sessions.EndAllForUserAsync(ch.C, ch.Tx, person.Id, SessionEndReasons.RoleChanged);
            await Audit(ch, AuditKinds.PersonRoleChanged, $"person {person.Email}", person.Role, role);
            return null;
        }, ct);

    /// <summary>Removes a person from the customer: their sessions end at once, on every instance.</summary>
    public Task<TeamRefusal?> RemoveAsync(long customerId, TeamActor actor, long userId, CancellationToken ct = default) =>
        ChangeAsync(customerId, actor, async ch =>
        {
            if (await MemberAsync(ch, userId) is not { } person) return new TeamRefusal("", "That person is no longer a member of this account.");
            if (person.Id == ch.Actor?.Id) return new TeamRefusal("", "To leave the account yourself, use Leave at the bottom of the page.");
            if (!CanManage(ch.Role, person.Role))
                return new TeamRefusal("", ch.Role == Roles.Admin ? "Admins may remove Admins and Members; ask an Owner to remove an Owner." : "You may not remove people.");
            if (person.Role == Roles.Owner && !await OtherOwnersAsync(ch, person.Id))
                return new TeamRefusal("", $"{person.DisplayName} is the last Owner of {ch.Customer.Name} and cannot be removed.");
            await ch.C.ExecuteAsync(RemoveSql, new { id = person.Id, now = ch.Now }, ch.Tx);
            await sessions.EndAllForUserAsync(ch.C, ch.Tx, person.Id, SessionEndReasons.Removed);
            await FreeSeatsAsync(ch, person, "removed from the team");
            await Audit(ch, AuditKinds.PersonRemoved, $"person {person.Email}", person.Role);
            return null;
        }, ct);

    /// <summary>The signed-in person leaves the customer; the last Owner cannot.</summary>
    public Task<TeamRefusal?> LeaveAsync(long customerId, TeamActor actor, CancellationToken ct = default) =>
        ChangeAsync(customerId, actor, async ch =>
        {
            if (ch.Actor is not { } person) return new TeamRefusal("", "Only a member can leave an account.");
            if (person.Role == Roles.Owner && !await OtherOwnersAsync(ch, person.Id))
                return new TeamRefusal("", $"You are the last Owner of {ch.Customer.Name}: make someone else an Owner before you leave.");
            await ch.C.ExecuteAsync(RemoveSql, new { id = person.Id, now = ch.Now }, ch.Tx);
            await sessions.EndAllForUserAsync(ch.C, ch.Tx, person.Id, SessionEndReasons.Removed);
            await FreeSeatsAsync(ch, person, "left the team");
            await Audit(ch, AuditKinds.PersonLeft, $"person {person.Email}", person.Role);
            return null;
        }, ct);
}
