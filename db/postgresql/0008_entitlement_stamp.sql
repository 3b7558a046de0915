-- A number that every change to what the entitlement engine reads (customers, subscriptions, their add-ons and
-- grants, the catalog) moves on, so a process can keep a customer's entitlement inputs in memory and know with one
-- small read whether they are still current. Triggers move it, so no write path, present or future, can forget to.
-- Transactions that write these tables queue on the one stamp row until they commit. They are the rare writes
-- (provisioning, approvals, grants, catalog edits); usage ingestion and the rollup, the busy writers, touch none of them.
create table EntitlementStamp (
    Name  text   primary key,
    Value bigint not null
);

insert into EntitlementStamp (Name, Value) values ('entitlements', 1);

create function MoveEntitlementStamp() returns trigger language plpgsql as $$
begin
    update EntitlementStamp set Value = Value + 1 where Name = 'entitlements';
    return null;
end;
$$;

-- One statement-level trigger per table, as on SQL Server (a statement that changes no row moves it too: a harmless reload).
create trigger TR_Customer_EntitlementStamp after insert or update or delete on Customer
    for each statement execute function MoveEntitlementStamp();
create trigger TR_Subscription_EntitlementStamp after insert or update or delete on Subscription
    for each statement execute function MoveEntitlementStamp();
create trigger TR_SubscriptionAddOn_EntitlementStamp after insert or update or delete on SubscriptionAddOn
    for each statement execute function MoveEntitlementStamp();
create trigger TR_EntitlementGrant_EntitlementStamp after insert or update or delete on EntitlementGrant
    for each statement execute function MoveEntitlementStamp();
create trigger TR_PricePlan_EntitlementStamp after insert or update or delete on PricePlan
    for each statement execute function MoveEntitlementStamp();
create trigger TR_PlanEntitlement_EntitlementStamp after insert or update or delete on PlanEntitlement
    for each statement execute function MoveEntitlementStamp();
create trigger TR_AddOn_EntitlementStamp after insert or update or delete on AddOn
    for each statement execute function MoveEntitlementStamp();
create trigger TR_AddOnEntitlement_EntitlementStamp after insert or update or delete on AddOnEntitlement
    for each statement execute function MoveEntitlementStamp();
create trigger TR_Feature_EntitlementStamp after insert or update or delete on Feature
    for each statement execute function MoveEntitlementStamp();
