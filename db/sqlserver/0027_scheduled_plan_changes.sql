-- A plan change that takes effect later: a downgrade asked for in the portal waits for the end of the current billing
-- period. At most one pending per subscription (Pending → Applied by the job, Cancelled by a person, Replaced by a
-- newer plan change). The entitlement engine reads the pending row, so the new plan counts from EffectiveAt whether the
-- job has run or not; the stamp trigger moves with it like with every other row the engine reads.
create table ScheduledPlanChange (
    Id             bigint identity primary key,
    SubscriptionId bigint        not null references Subscription (Id),
    FromPlanId     bigint        not null references PricePlan (Id),
    ToPlanId       bigint        not null references PricePlan (Id),
    EffectiveAt    datetime2     not null,
    State          nvarchar(20)  not null check (State in ('Pending', 'Applied', 'Cancelled', 'Replaced')),
    RequestId      bigint        null,
    CreatedAt      datetime2     not null,
    CreatedBy      nvarchar(400) not null,
    EndedAt        datetime2     null,
    EndedBy        nvarchar(400) null
);

create unique index UX_ScheduledPlanChange_Pending on ScheduledPlanChange (SubscriptionId) where State = 'Pending';
create index IX_ScheduledPlanChange_Due on ScheduledPlanChange (State, EffectiveAt);
GO

create trigger TR_ScheduledPlanChange_EntitlementStamp on ScheduledPlanChange after insert, update, delete
as
begin
    if @@rowcount = 0 return;
    set nocount on;
    update EntitlementStamp set Value = Value + 1 where Name = 'entitlements';
end;
GO

-- Catalog-wide policies an Operator sets (audited): 'downgrades-need-approval' = 'true' sends every downgrade asked for
-- in the portal to the vendor's approvers; without the row (the default) a downgrade needs no approval and is scheduled.
create table CatalogPolicy (
    Name      nvarchar(100) not null primary key,
    Value     nvarchar(400) not null,
    UpdatedAt datetime2     not null,
    UpdatedBy nvarchar(400) not null
);
GO
