-- Open by default: citizens who say "me too" to an open report, counted once
-- per phone (the key it sends, stored hashed), and the indexes the public
-- map and the "someone already reported this" look-up read by.

CREATE TABLE supporters (
    ticket_code TEXT NOT NULL REFERENCES tickets (code),
    key_hash    TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (ticket_code, key_hash)
) STRICT;

-- Kept on the ticket so that lists and views need no count.
ALTER TABLE tickets ADD COLUMN supporters INTEGER NOT NULL DEFAULT 0;

-- "Someone already reported this": one category near a point.
CREATE INDEX tickets_by_category_place ON tickets (category, lat, lng);
-- The public map: everything in the visible area.
CREATE INDEX tickets_by_place ON tickets (lat, lng);
