-- Accounts for real customers: outgoing mail, server-side sessions, sign-in throttling, invitations, password resets.

-- Mail written in the transaction of the change that causes it, delivered by a job (a rolled-back change sends nothing).
create table OutgoingMail (
    Id            bigint identity primary key,
    Kind          nvarchar(50)   not null,
    ToAddress     nvarchar(320)  not null,
    ToName        nvarchar(200)  null,
    Subject       nvarchar(400)  not null,
    TextBody      nvarchar(max)  not null,
    HtmlBody      nvarchar(max)  not null,
    Status        nvarchar(20)   not null check (Status in ('Pending', 'Sent', 'Failed')),
    Attempts      int            not null,
    NextAttemptAt datetime2      not null,
    ClaimedUntil  datetime2      null,
    CreatedAt     datetime2      not null,
    SentAt        datetime2      null,
    LastError     nvarchar(2000) null
);
create index IX_OutgoingMail_Status on OutgoingMail (Status, NextAttemptAt);

alter table AppUser add LastSignInAt datetime2 null, RemovedAt datetime2 null;

-- One row per signed-in browser; the cookie carries only the id, so ending the row ends the session everywhere.
create table UserSession (
    Id            nvarchar(100) not null primary key,
    UserId        bigint        not null references AppUser (Id),
    CreatedAt     datetime2     not null,
    LastSeenAt    datetime2     not null,
    EndedAt       datetime2     null,
    EndReason     nvarchar(50)  null,
    ClientAddress nvarchar(100) null
);
create index IX_UserSession_UserId on UserSession (UserId);

-- Failed attempts per form and key: (account, client address) pairs and client addresses alone.
create table ThrottleCounter (
    Form       nvarchar(30)  not null,
    CounterKey nvarchar(450) not null,
    Failures   int           not null,
    FirstAt    datetime2     not null,
    LastAt     datetime2     not null,
    constraint PK_ThrottleCounter primary key (Form, CounterKey)
);

-- Single-use invitation links, stored only as a hash. At most one open invitation per (customer, address).
create table Invitation (
    Id         bigint identity primary key,
    CustomerId bigint        not null references Customer (Id),
    Email      nvarchar(320) not null,
    Role       nvarchar(20)  not null check (Role in ('Owner', 'Admin', 'Member')),
    TokenHash  nvarchar(100) not null constraint UQ_Invitation_TokenHash unique,
    InvitedBy  nvarchar(320) not null,
    CreatedAt  datetime2     not null,
    SentAt     datetime2     not null,
    ExpiresAt  datetime2     not null,
    AcceptedAt datetime2     null,
    RevokedAt  datetime2     null,
    IsOpen     bit           not null
);
create unique index UX_Invitation_Open on Invitation (CustomerId, Email) where IsOpen = 1;
create index IX_Invitation_Email on Invitation (Email);

create table PasswordReset (
    Id        bigint identity primary key,
    UserId    bigint        not null references AppUser (Id),
    TokenHash nvarchar(100) not null constraint UQ_PasswordReset_TokenHash unique,
    CreatedAt datetime2     not null,
    ExpiresAt datetime2     not null,
    UsedAt    datetime2     null
);
