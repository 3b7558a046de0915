-- In-app notifications: to every user of a customer (UserId null) or to one user.
create table Notification (
    Id         bigint identity primary key,
    CustomerId bigint         null references Customer (Id),
    UserId     bigint         null references AppUser (Id),
    Kind       nvarchar(100)  not null,
    Title      nvarchar(400)  not null,
    Body       nvarchar(2000) not null default '',
    Link       nvarchar(400)  null,
    CreatedAt  datetime2      not null,
    DedupKey   nvarchar(400)  not null constraint UQ_Notification_DedupKey unique
);
create index IX_Notification_CustomerId_CreatedAt on Notification (CustomerId, CreatedAt);
create index IX_Notification_UserId_CreatedAt on Notification (UserId, CreatedAt);

create table NotificationRead (
    NotificationId bigint    not null references Notification (Id),
    UserId         bigint    not null references AppUser (Id),
    ReadAt         datetime2 not null,
    primary key (NotificationId, UserId)
);
