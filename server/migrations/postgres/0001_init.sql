-- Portal 112 on PostgreSQL: the same tables as the SQLite store, plus what
-- several instances over one database need (shared rate limits). Times are
-- milliseconds since the Unix epoch (UTC); ticket codes are stored compact
-- (9 symbols, no separators).

CREATE TABLE tickets (
    code            TEXT PRIMARY KEY,
    category        TEXT NOT NULL,
    agency          TEXT NOT NULL,
    confidential    BOOLEAN NOT NULL,
    status          TEXT NOT NULL,
    description     TEXT NOT NULL,
    lat             DOUBLE PRECISION,
    lng             DOUBLE PRECISION,
    accuracy_m      DOUBLE PRECISION,
    district        TEXT,
    village         TEXT,
    address         TEXT,
    anonymous       BOOLEAN NOT NULL,
    contact_name    TEXT,
    contact_phone   TEXT,
    contact_email   TEXT,
    source          TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX tickets_by_created ON tickets (created_at DESC, code);
CREATE INDEX tickets_by_agency ON tickets (agency, created_at DESC);
CREATE INDEX tickets_by_status ON tickets (status, created_at DESC);

CREATE TABLE photos (
    id          TEXT PRIMARY KEY,
    ticket_code TEXT NOT NULL REFERENCES tickets (code),
    position    BIGINT NOT NULL,
    mime        TEXT NOT NULL,
    width       BIGINT NOT NULL,
    height      BIGINT NOT NULL,
    bytes       BYTEA NOT NULL,
    UNIQUE (ticket_code, position)
);

-- The status history is append-only: rows are never changed or removed.
CREATE TABLE ticket_events (
    ticket_code   TEXT NOT NULL REFERENCES tickets (code),
    seq           BIGINT NOT NULL,
    at            BIGINT NOT NULL,
    actor         TEXT NOT NULL,
    from_status   TEXT,
    to_status     TEXT NOT NULL,
    agency        TEXT,
    public_note   TEXT,
    internal_note TEXT,
    duplicate_of  TEXT,
    PRIMARY KEY (ticket_code, seq)
);
-- A listener that reconnects looks up what changed while it was away.
CREATE INDEX ticket_events_by_at ON ticket_events (at);

CREATE FUNCTION portal112_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END;
$$;
CREATE TRIGGER ticket_events_append_only BEFORE UPDATE OR DELETE ON ticket_events
    FOR EACH ROW EXECUTE FUNCTION portal112_append_only();

-- The key row is written first in a report's transaction, so a second
-- instance sending the same key waits on the unique index and then finds it;
-- the ticket it names is written later in the same transaction.
CREATE TABLE idempotency_keys (
    key          TEXT PRIMARY KEY,
    request_hash TEXT NOT NULL,
    ticket_code  TEXT NOT NULL REFERENCES tickets (code) DEFERRABLE INITIALLY DEFERRED,
    created_at   BIGINT NOT NULL
);

CREATE TABLE open311_tokens (
    token       TEXT PRIMARY KEY,
    ticket_code TEXT NOT NULL REFERENCES tickets (code)
);

CREATE TABLE staff (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('operator', 'agency', 'admin')),
    agency        TEXT,
    created_at    BIGINT NOT NULL,
    CHECK ((role = 'agency') = (agency IS NOT NULL))
);

-- Bearer tokens are stored only as SHA-256 hashes.
CREATE TABLE staff_sessions (
    token_hash TEXT PRIMARY KEY,
    staff_id   BIGINT NOT NULL REFERENCES staff (id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT
);

CREATE TABLE api_keys (
    key_hash   TEXT PRIMARY KEY,
    label      TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);

CREATE TABLE videos (
    id          TEXT PRIMARY KEY,
    agency      TEXT NOT NULL,
    title_id    TEXT NOT NULL,
    title_en    TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('youtube', 'file')),
    youtube_id  TEXT,
    file_name   TEXT,
    mime        TEXT,
    captions_id TEXT,
    captions_en TEXT,
    poster      TEXT,
    created_at  BIGINT NOT NULL,
    -- Removed entries stay as tombstones so a config seed is not re-added.
    removed_at  BIGINT
);

CREATE TABLE audit_log (
    id     BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at     BIGINT NOT NULL,
    actor  TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL
);
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION portal112_append_only();

-- Rate limits shared by every instance: one row per (bucket, client) holding
-- the GCRA "theoretical arrival time" (database clock, ms). Client addresses
-- are stored only as salted hashes. UNLOGGED: the hot path of every report
-- skips the WAL, and losing the table in a database crash only forgives
-- clients their recent requests.
CREATE UNLOGGED TABLE rate_limits (
    bucket TEXT NOT NULL,
    key    TEXT NOT NULL,
    tat    BIGINT NOT NULL,
    PRIMARY KEY (bucket, key)
);

-- Failed sign-ins per account (salted hash of the name as typed), for the
-- lock with growing waits. Logged: a crash must not lift a lock.
CREATE TABLE login_failures (
    key          TEXT PRIMARY KEY,
    failures     BIGINT NOT NULL,
    locked_until BIGINT,
    last_at      BIGINT NOT NULL
);

-- The salt of those hashes: random, made by the first instance that starts,
-- the same for all so they count the same client alike.
CREATE TABLE hash_salt (
    one  BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (one),
    salt TEXT NOT NULL
);
