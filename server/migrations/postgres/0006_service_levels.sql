-- Service levels: the stage each ticket that needs someone is in, when that
-- stage began and when it is due (NULL while on hold: the clock stands
-- still). Derived from the ticket's history by the server and rewritten with
-- every change, so the queue can put late tickets first and the escalation
-- job finds them by index.
ALTER TABLE tickets ADD COLUMN sla_stage TEXT;
ALTER TABLE tickets ADD COLUMN sla_started_at BIGINT;
ALTER TABLE tickets ADD COLUMN sla_due_at BIGINT;
CREATE INDEX tickets_due ON tickets (sla_due_at) WHERE sla_due_at IS NOT NULL;

-- One row per late stage: the key makes sure that, however many instances
-- look, each stage of each ticket escalates exactly once.
CREATE TABLE escalations (
    ticket_code  TEXT NOT NULL REFERENCES tickets (code),
    stage        TEXT NOT NULL,
    started_at   BIGINT NOT NULL,
    due_at       BIGINT NOT NULL,
    escalated_at BIGINT NOT NULL,
    agency       TEXT NOT NULL,
    PRIMARY KEY (ticket_code, stage, started_at)
);
