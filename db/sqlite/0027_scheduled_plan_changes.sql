-- A plan change that takes effect later: a downgrade asked for in the portal waits for the end of the current billing
-- period. At most one pending per subscription (Pending → Applied by the job, Cancelled by a person, Replaced by a
-- newer plan change). The entitlement engine reads the pending row, so the new plan counts from EffectiveAt whether the
-- job has run or not; the stamp triggers move with it like with every other row the engine reads.
create table ScheduledPlanChange (
    Id             integer primary key,
    SubscriptionId integer not null references Subscription (Id),
    FromPlanId     integer not null references PricePlan (Id),
    ToPlanId       integer not null references PricePlan (Id),
    EffectiveAt    text    not null,
    State          text    not null check (State in ('Pending', 'Applied', 'Cancelled', 'Replaced')),
    RequestId      integer null,
    CreatedAt      text    not null,
    CreatedBy      text    not null,
    EndedAt        text    null,
    EndedBy        text    null
);

create unique index UX_ScheduledPlanChange_Pending on ScheduledPlanChange (SubscriptionId) where State = 'Pending';
create index IX_ScheduledPlanChange_Due on ScheduledPlanChange (State, EffectiveAt);

create trigger TR_ScheduledPlanChange_Insert_EntitlementStamp after insert on ScheduledPlanChange
begin
    update EntitlementStamp set Value = Value + 1 where Name = 'entitlements';
end;

create trigger TR_ScheduledPlanChange_Update_EntitlementStamp after update on ScheduledPlanChange
begin
    update EntitlementStamp set Value = Value + 1 where Name = 'entitlements';
end;

create trigger TR_ScheduledPlanChange_Delete_EntitlementStamp after delete on ScheduledPlanChange
begin
    update EntitlementStamp set Value = Value + 1 where Name = 'entitlements';
end;

-- Catalog-wide policies an Operator sets (audited): 'downgrades-need-approval' = 'true' sends every downgrade asked for
-- in the portal to the vendor's approvers; without the row (the default) a downgrade needs no approval and is scheduled.
create table CatalogPolicy (
    Name      text not null primary key,
    Value     text not null,
    UpdatedAt text not null,
    UpdatedBy text not null
);
