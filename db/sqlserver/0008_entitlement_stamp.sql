-- A number that every change to what the entitlement engine reads (customers, subscriptions, their add-ons and
-- grants, the catalog) moves on, so a process can keep a customer's entitlement inputs in memory and know with one
-- small read whether they are still current. Triggers move it, so no write path, present or future, can forget to.
-- (With triggers on these tables an insert cannot use a bare OUTPUT clause: the dialect returns ids with scope_identity().)
-- Transactions that write these tables queue on the one stamp row until they commit. They are the rare writes
-- (provisioning, approvals, grants, catalog edits); usage ingestion and the rollup, the busy writers, touch none of them.
create table EntitlementStamp (
    Name  nvarchar(50) not null constraint PK_EntitlementStamp primary key,
    Value bigint       not null
);

insert into EntitlementStamp (Name, Value) values ('entitlements', 1);
GO

create trigger TR_Customer_EntitlementStamp on Customer after insert, update, delete
as
begin
    if @@rowcount = 0 return;
    set nocount on;
    update EntitlementStamp set Value = Value + 1 where Name = 'entitlements';
end;
GO

create trigger TR_Subscription_EntitlementStamp on Subscription after insert, update, delete
as
begin
    if @@rowcount = 0 return;
    set nocount on;
    update EntitlementStamp set Value = Value + 1 where Name = 'entitlements';
end;
GO

create trigger TR_SubscriptionAddOn_EntitlementStamp on SubscriptionAddOn after insert, update, delete
as
begin
    if @@rowcount = 0 return;
    set nocount on;
    update EntitlementStamp set Value = Value + 1 where Name = 'entitlements';
end;
GO

create trigger TR_EntitlementGrant_EntitlementStamp on EntitlementGrant after insert, update, delete
as
begin
    if @@rowcount = 0 return;
    set nocount on;
    update EntitlementStamp set Value = Value + 1 where Name = 'entitlements';
end;
GO

create trigger TR_PricePlan_EntitlementStamp on PricePlan after insert, update, delete
as
begin
    if @@rowcount = 0 return;
    set nocount on;
    update EntitlementStamp set Value = Value + 1 where Name = 'entitlements';
end;
GO

create trigger TR_PlanEntitlement_EntitlementStamp on PlanEntitlement after insert, update, delete
as
begin
    if @@rowcount = 0 return;
    set nocount on;
    update EntitlementStamp set Value = Value + 1 where Name = 'entitlements';
end;
GO

create trigger TR_AddOn_EntitlementStamp on AddOn after insert, update, delete
as
begin
    if @@rowcount = 0 return;
    set nocount on;
    update EntitlementStamp set Value = Value + 1 where Name = 'entitlements';
end;
GO

create trigger TR_AddOnEntitlement_EntitlementStamp on AddOnEntitlement after insert, update, delete
as
begin
    if @@rowcount = 0 return;
    set nocount on;
    update EntitlementStamp set Value = Value + 1 where Name = 'entitlements';
end;
GO

create trigger TR_Feature_EntitlementStamp on Feature after insert, update, delete
as
begin
    if @@rowcount = 0 return;
    set nocount on;
    update EntitlementStamp set Value = Value + 1 where Name = 'entitlements';
end;
GO
