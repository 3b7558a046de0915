-- Assigned seats. A Limit feature the catalog marks AssignedSeats (max-members) is held seat by seat by named people of
-- the customer: one row per (feature, person). The number of rows is that feature's usage, and the team page never lets
-- it pass the feature's effective limit at the instant of assigning (the customer's row is locked while it counts).
-- Rows beyond a limit that later fell (a grant ended) are kept; the page flags them, the check denies them.
alter table Feature add AssignedSeats bit not null constraint DF_Feature_AssignedSeats default 0;
GO

create table SeatAssignment (
    Id         bigint identity primary key,
    CustomerId bigint        not null references Customer (Id),
    FeatureId  bigint        not null references Feature (Id),
    UserId     bigint        not null references AppUser (Id),
    AssignedBy nvarchar(320) not null,
    AssignedAt datetime2     not null,
    constraint UQ_SeatAssignment_FeatureUser unique (FeatureId, UserId)
);
create index IX_SeatAssignment_Customer on SeatAssignment (CustomerId, FeatureId);
GO
