-- Staff may hide a ticket's details from the public: what the citizen wrote
-- (the description and the landmark) and the photos they sent. The public
-- then sees only the category, the status and the coarse facts; staff still
-- see everything. Set and unset by an operator, with a history entry and an
-- audit entry, like every other change to a ticket.
ALTER TABLE tickets ADD COLUMN details_hidden BOOLEAN NOT NULL DEFAULT FALSE;
