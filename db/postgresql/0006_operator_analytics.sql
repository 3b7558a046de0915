-- Operator analytics read usage one billing anchor day at a time: this lets the query start from that day's
-- subscriptions and reach their usage rows by customer, rather than scan every usage row.
create index IX_Subscription_BillingAnchorDay on Subscription (BillingAnchorDay, CustomerId);
