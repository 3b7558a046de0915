-- Metering: indexes for reading events past the rollup watermark, and marks that say when events were rolled up
-- so that raw events can be pruned by age without an index on their receipt time.

-- Reads take a customer's events past the watermark: (CustomerId, Id) seeks straight to them, whatever the history.
drop index IX_UsageEvent_Customer_Feature_OccurredAt;
create index IX_UsageEvent_Customer_Id on UsageEvent (CustomerId, Id) include (FeatureId, Quantity, OccurredAt);

-- Period totals read one customer's buckets in a range of hours.
create index IX_UsageHourly_Customer_HourStart on UsageHourly (CustomerId, HourStart);

-- At most one row an hour: every event with Id <= LastEventId was received before MarkedAt and is rolled up.
create table UsageRetentionMark (
    LastEventId bigint      not null primary key,
    MarkedAt    timestamptz not null
);

insert into RollupWatermark (Name, LastEventId, UpdatedAt)
select 'usage-hourly', 0, '2000-01-01T00:00:00Z'
 where not exists (select 1 from RollupWatermark where Name = 'usage-hourly');
