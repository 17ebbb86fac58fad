-- Konsol 112: how a ticket came in, how urgent it is, who of its agency works
-- it, and its revision (the seq of its newest history entry), which a change
-- names so that two staff members never overwrite each other unseen.
-- The standby roster names who of an agency is on duty in each shift.

ALTER TABLE tickets ADD COLUMN channel TEXT NOT NULL DEFAULT 'web'
    CHECK (channel IN ('web', 'telepon', 'open311'));
UPDATE tickets SET channel = 'open311' WHERE source LIKE 'open311%';
ALTER TABLE tickets ADD COLUMN priority TEXT NOT NULL DEFAULT 'normal'
    CHECK (priority IN ('darurat', 'tinggi', 'normal', 'rendah'));
ALTER TABLE tickets ADD COLUMN assignee TEXT;
ALTER TABLE tickets ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
UPDATE tickets SET revision = (SELECT MAX(e.seq) FROM ticket_events e WHERE e.ticket_code = tickets.code)
    WHERE EXISTS (SELECT 1 FROM ticket_events e WHERE e.ticket_code = tickets.code);

ALTER TABLE ticket_events ADD COLUMN priority TEXT;
ALTER TABLE ticket_events ADD COLUMN assignee TEXT;

-- The queue: most urgent first, then oldest first (the expression is the
-- one the list query orders by, so the index serves it).
CREATE INDEX tickets_queue ON tickets (
    (CASE priority WHEN 'darurat' THEN 0 WHEN 'tinggi' THEN 1 WHEN 'normal' THEN 2 ELSE 3 END),
    created_at, code);

CREATE TABLE standby (
    agency   TEXT NOT NULL,
    -- The day the shift starts, YYYY-MM-DD in the city's time.
    date     TEXT NOT NULL,
    shift    TEXT NOT NULL CHECK (shift IN ('pagi', 'sore', 'malam')),
    position INTEGER NOT NULL,
    username TEXT NOT NULL,
    PRIMARY KEY (agency, date, shift, position)
) STRICT;
CREATE INDEX standby_by_date ON standby (date, shift);
