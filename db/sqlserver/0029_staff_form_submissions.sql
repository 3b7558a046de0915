-- Exactly-once staff forms. Each form that changes a subscription (add-on quantities, suspend, resume, cancel) carries a
-- token; the change writes it here in its own transaction, so a second post of the same form (a retry, a double click,
-- a second tab) finds it and changes nothing more.
create table StaffFormSubmission (
    Token      nvarchar(64)  not null primary key,
    CustomerId bigint        not null references Customer (Id),
    Action     nvarchar(40)  not null,
    Actor      nvarchar(400) not null,
    At         datetime2     not null
);
