-- A number that every change to what the entitlement engine reads (customers, subscriptions, their add-ons and
-- grants, the catalog) moves on, so a process can keep a customer's entitlement inputs in memory and know with one
-- small read whether they are still current. Triggers move it, so no write path, present or future, can forget to.
create table EntitlementStamp (
    Name  text    primary key,
    Value integer not null
);

insert into EntitlementStamp (Name, Value) values ('entitlements', 1);

create trigger TR_Customer_Insert_EntitlementStamp after insert on Customer
begin
    update EntitlementStamp set Value = Value + 1 where Name = 'entitlements';
end;

create trigger TR_Customer_Update_EntitlementStamp after update on Customer
begin
    update EntitlementStamp set Value = Value + 1 where Name = 'entitlements';
end;

create trigger TR_Customer_Delete_EntitlementStamp after delete on Customer
begin
    update EntitlementStamp set Value = Value + 1 where Name = 'entitlements';
end;

create trigger TR_Subscription_Insert_EntitlementStamp after insert on Subscription
begin
    update EntitlementStamp set Value = Value + 1 where Name = 'entitlements';
end;

create trigger TR_Subscription_Update_EntitlementStamp after update on Subscription
begin
    update EntitlementStamp set Value = Value + 1 where Name = 'entitlements';
end;

create trigger TR_Subscription_Delete_EntitlementStamp after delete on Subscription
begin
    update EntitlementStamp set Value = Value + 1 where Name = 'entitlements';
end;

create trigger TR_SubscriptionAddOn_Insert_EntitlementStamp after insert on SubscriptionAddOn
begin
    update EntitlementStamp set Value = Value + 1 where Name = 'entitlements';
end;

create trigger TR_SubscriptionAddOn_Update_EntitlementStamp after update on SubscriptionAddOn
begin
    update EntitlementStamp set Value = Value + 1 where Name = 'entitlements';
end;

create trigger TR_SubscriptionAddOn_Delete_EntitlementStamp after delete on SubscriptionAddOn
begin
    update EntitlementStamp set Value = Value + 1 where Name = 'entitlements';
end;

create trigger TR_EntitlementGrant_Insert_EntitlementStamp after insert on EntitlementGrant
begin
    update EntitlementStamp set Value = Value + 1 where Name = 'entitlements';
end;

create trigger TR_EntitlementGrant_Update_EntitlementStamp after update on EntitlementGrant
begin
    update EntitlementStamp set Value = Value + 1 where Name = 'entitlements';
end;

create trigger TR_EntitlementGrant_Delete_EntitlementStamp after delete on EntitlementGrant
begin
    update EntitlementStamp set Value = Value + 1 where Name = 'entitlements';
end;

create trigger TR_PricePlan_Insert_EntitlementStamp after insert on PricePlan
begin
    update EntitlementStamp set Value = Value + 1 where Name = 'entitlements';
end;

create trigger TR_PricePlan_Update_EntitlementStamp after update on PricePlan
begin
    update EntitlementStamp set Value = Value + 1 where Name = 'entitlements';
end;

create trigger TR_PricePlan_Delete_EntitlementStamp after delete on PricePlan
begin
    update EntitlementStamp set Value = Value + 1 where Name = 'entitlements';
end;

create trigger TR_PlanEntitlement_Insert_EntitlementStamp after insert on PlanEntitlement
begin
    update EntitlementStamp set Value = Value + 1 where Name = 'entitlements';
end;

create trigger TR_PlanEntitlement_Update_EntitlementStamp after update on PlanEntitlement
begin
    update EntitlementStamp set Value = Value + 1 where Name = 'entitlements';
end;

create trigger TR_PlanEntitlement_Delete_EntitlementStamp after delete on PlanEntitlement
begin
    update EntitlementStamp set Value = Value + 1 where Name = 'entitlements';
end;

create trigger TR_AddOn_Insert_EntitlementStamp after insert on AddOn
begin
    update EntitlementStamp set Value = Value + 1 where Name = 'entitlements';
end;

create trigger TR_AddOn_Update_EntitlementStamp after update on AddOn
begin
    update EntitlementStamp set Value = Value + 1 where Name = 'entitlements';
end;

create trigger TR_AddOn_Delete_EntitlementStamp after delete on AddOn
begin
    update EntitlementStamp set Value = Value + 1 where Name = 'entitlements';
end;

create trigger TR_AddOnEntitlement_Insert_EntitlementStamp after insert on AddOnEntitlement
begin
    update EntitlementStamp set Value = Value + 1 where Name = 'entitlements';
end;

create trigger TR_AddOnEntitlement_Update_EntitlementStamp after update on AddOnEntitlement
begin
    update EntitlementStamp set Value = Value + 1 where Name = 'entitlements';
end;

create trigger TR_AddOnEntitlement_Delete_EntitlementStamp after delete on AddOnEntitlement
begin
    update EntitlementStamp set Value = Value + 1 where Name = 'entitlements';
end;

create trigger TR_Feature_Insert_EntitlementStamp after insert on Feature
begin
    update EntitlementStamp set Value = Value + 1 where Name = 'entitlements';
end;

create trigger TR_Feature_Update_EntitlementStamp after update on Feature
begin
    update EntitlementStamp set Value = Value + 1 where Name = 'entitlements';
end;

create trigger TR_Feature_Delete_EntitlementStamp after delete on Feature
begin
    update EntitlementStamp set Value = Value + 1 where Name = 'entitlements';
end;
