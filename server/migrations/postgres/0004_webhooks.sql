-- Signed webhooks to the agencies' own systems (Standard Webhooks): where
-- each agency wants to hear of its tickets, and the outbox of deliveries.

CREATE TABLE webhook_endpoints (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    agency     TEXT NOT NULL,
    url        TEXT NOT NULL,
    -- `whsec_` + base64: the receiver checks signatures with it, so it is
    -- kept as given out (shown once, never listed).
    secret     TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    -- Set once removed: nothing more is sent there; its deliveries stay listed.
    removed_at BIGINT
);

CREATE INDEX webhook_endpoints_active ON webhook_endpoints (agency) WHERE removed_at IS NULL;

-- One row per message and endpoint, written in the transaction of the change
-- it announces. `id` is the message's `webhook-id`: the same on every
-- attempt, so a receiver recognises a repeat.
CREATE TABLE webhook_deliveries (
    id               TEXT PRIMARY KEY,
    endpoint_id      BIGINT NOT NULL REFERENCES webhook_endpoints (id),
    event_type       TEXT NOT NULL,
    -- The exact body sent (and signed) on every attempt.
    payload          TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    state            TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts         BIGINT NOT NULL DEFAULT 0,
    first_attempt_at BIGINT,
    next_attempt_at  BIGINT NOT NULL,
    -- A worker sending it now holds it until then; past it, anyone may.
    claimed_until    BIGINT,
    last_status      BIGINT,
    last_error       TEXT,
    delivered_at     BIGINT
);

CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_recent ON webhook_deliveries (created_at);
