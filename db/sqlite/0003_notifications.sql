-- In-app notifications: to every user of a customer (UserId null) or to one user.
create table Notification (
    Id         integer primary key,
    CustomerId integer null references Customer (Id),
    UserId     integer null references AppUser (Id),
    Kind       text    not null,
    Title      text    not null,
    Body       text    not null default '',
    Link       text    null,
    CreatedAt  text    not null,
    DedupKey   text    not null unique
);
create index IX_Notification_CustomerId_CreatedAt on Notification (CustomerId, CreatedAt);
create index IX_Notification_UserId_CreatedAt on Notification (UserId, CreatedAt);

create table NotificationRead (
    NotificationId integer not null references Notification (Id),
    UserId         integer not null references AppUser (Id),
    ReadAt         text    not null,
    primary key (NotificationId, UserId)
);
