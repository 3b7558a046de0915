-- Assigned seats. A Limit feature the catalog marks AssignedSeats (max-members) is held seat by seat by named people of
-- the customer: one row per (feature, person). The number of rows is that feature's usage, and the team page never lets
-- it pass the feature's effective limit at the instant of assigning (the customer's row is locked while it counts).
-- Rows beyond a limit that later fell (a grant ended) are kept; the page flags them, the check denies them.
alter table Feature add column AssignedSeats integer not null default 0;

create table SeatAssignment (
    Id         integer primary key,
    CustomerId integer not null references Customer (Id),
    FeatureId  integer not null references Feature (Id),
    UserId     integer not null references AppUser (Id),
    AssignedBy text    not null,
    AssignedAt text    not null,
    unique (FeatureId, UserId)
);
create index IX_SeatAssignment_Customer on SeatAssignment (CustomerId, FeatureId);
