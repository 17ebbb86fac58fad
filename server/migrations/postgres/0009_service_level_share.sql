-- The statistics' share of tickets forwarded and answered within the
-- service level: whether a stage before the answer (verify, forward,
-- acknowledge, answer) passed its due time. Set, never unset, when such a
-- stage escalates as late or when a change ends it after its due time;
-- earlier tickets count as late if one of those stages escalated.
ALTER TABLE tickets ADD COLUMN sla_missed BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE tickets SET sla_missed = TRUE WHERE EXISTS (SELECT 1 FROM escalations e
    WHERE e.ticket_code = tickets.code AND e.stage IN ('verify', 'forward', 'acknowledge', 'answer'));
-- Everything the statistics read, the new columns included.
DROP INDEX tickets_stats;
CREATE INDEX tickets_stats ON tickets
    (agency, category, status, created_at, first_response_at, resolved_at, sla_stage, sla_missed);
