-- Events a job may see more than once (a grant ending in 7 days, seen every minute for a week) are written once:
-- the first writer of a key writes the event, every later one finds the key taken and writes nothing.
create table OutboundEventKey (
    DedupKey        text    not null primary key,
    CreatedAt       text    not null
);
