-- Accounts for real customers: outgoing mail, server-side sessions, sign-in throttling, invitations, password resets.

-- Mail written in the transaction of the change that causes it, delivered by a job (a rolled-back change sends nothing).
create table OutgoingMail (
    Id            integer primary key,
    Kind          text    not null,
    ToAddress     text    not null,
    ToName        text    null,
    Subject       text    not null,
    TextBody      text    not null,
    HtmlBody      text    not null,
    Status        text    not null check (Status in ('Pending', 'Sent', 'Failed')),
    Attempts      integer not null,
    NextAttemptAt text    not null,
    ClaimedUntil  text    null,
    CreatedAt     text    not null,
    SentAt        text    null,
    LastError     text    null
);
create index IX_OutgoingMail_Status on OutgoingMail (Status, NextAttemptAt);

alter table AppUser add column LastSignInAt text null;
alter table AppUser add column RemovedAt text null;

-- One row per signed-in browser; the cookie carries only the id, so ending the row ends the session everywhere.
create table UserSession (
    Id            text    primary key,
    UserId        integer not null references AppUser (Id),
    CreatedAt     text    not null,
    LastSeenAt    text    not null,
    EndedAt       text    null,
    EndReason     text    null,
    ClientAddress text    null
);
create index IX_UserSession_UserId on UserSession (UserId);

-- Failed attempts per form and key: (account, client address) pairs and client addresses alone.
create table ThrottleCounter (
    Form          text    not null,
    CounterKey    text    not null,
    Failures      integer not null,
    FirstAt       text    not null,
    LastAt        text    not null,
    primary key (Form, CounterKey)
);

-- Single-use invitation links, stored only as a hash. At most one open invitation per (customer, address).
create table Invitation (
    Id              integer primary key,
    CustomerId      integer not null references Customer (Id),
    Email           text    not null,
    Role            text    not null check (Role in ('Owner', 'Admin', 'Member')),
    TokenHash       text    not null unique,
    InvitedBy       text    not null,
    CreatedAt       text    not null,
    SentAt          text    not null,
    ExpiresAt       text    not null,
    AcceptedAt      text    null,
    RevokedAt       text    null,
    IsOpen          integer not null
);
create unique index UX_Invitation_Open on Invitation (CustomerId, Email) where IsOpen = 1;
create index IX_Invitation_Email on Invitation (Email);

create table PasswordReset (
    Id         integer primary key,
    UserId     integer not null references AppUser (Id),
    TokenHash  text    not null unique,
    CreatedAt  text    not null,
    ExpiresAt  text    not null,
    UsedAt     text    null
);
