-- Usage quantities are exact decimals (issue 13): at most 10^18 with 6 decimal places, decimal(38,6) leaves room for
-- sums. Existing values (binary floats) are taken to 6 decimal places. The covering index holds Quantity, so it is
-- rebuilt around the change.
drop index IX_UsageEvent_Customer_Id on UsageEvent;
alter table UsageEvent alter column Quantity decimal(38,6) not null;
create index IX_UsageEvent_Customer_Id on UsageEvent (CustomerId, Id) include (FeatureId, Quantity, OccurredAt);
alter table UsageHourly alter column Total decimal(38,6) not null;
alter table UsageHourly alter column Peak decimal(38,6) not null;
alter table UsageHourly alter column LatestValue decimal(38,6) not null;
alter table ThresholdCrossing alter column Usage decimal(38,6) not null;
