-- Exactly-once staff forms. Each form that changes a subscription (add-on quantities, suspend, resume, cancel) carries a
-- token; the change writes it here in its own transaction, so a second post of the same form (a retry, a double click,
-- a second tab) finds it and changes nothing more.
create table StaffFormSubmission (
    Token      text    not null primary key,
    CustomerId integer not null references Customer (Id),
    Action     text    not null,
    Actor      text    not null,
    At         text    not null
);
