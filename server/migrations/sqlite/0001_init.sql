-- Portal 112: tickets, their photos and history, staff, API keys, videos, audit.
-- Times are milliseconds since the Unix epoch (UTC); ticket codes are stored
-- compact (9 symbols, no separators).

CREATE TABLE tickets (
    code            TEXT PRIMARY KEY NOT NULL,
    category        TEXT NOT NULL,
    agency          TEXT NOT NULL,
    confidential    INTEGER NOT NULL CHECK (confidential IN (0, 1)),
    status          TEXT NOT NULL,
    description     TEXT NOT NULL,
    lat             REAL,
    lng             REAL,
    accuracy_m      REAL,
    district        TEXT,
    village         TEXT,
    address         TEXT,
    anonymous       INTEGER NOT NULL CHECK (anonymous IN (0, 1)),
    contact_name    TEXT,
    contact_phone   TEXT,
    contact_email   TEXT,
    source          TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
) STRICT;
CREATE INDEX tickets_by_created ON tickets (created_at DESC);
CREATE INDEX tickets_by_agency ON tickets (agency, created_at DESC);
CREATE INDEX tickets_by_status ON tickets (status, created_at DESC);

CREATE TABLE photos (
    id          TEXT PRIMARY KEY NOT NULL,
    ticket_code TEXT NOT NULL REFERENCES tickets (code),
    position    INTEGER NOT NULL,
    mime        TEXT NOT NULL,
    width       INTEGER NOT NULL,
    height      INTEGER NOT NULL,
    bytes       BLOB NOT NULL,
    UNIQUE (ticket_code, position)
) STRICT;

-- The status history is append-only: rows are never changed or removed.
CREATE TABLE ticket_events (
    ticket_code   TEXT NOT NULL REFERENCES tickets (code),
    seq           INTEGER NOT NULL,
    at            INTEGER NOT NULL,
    actor         TEXT NOT NULL,
    from_status   TEXT,
    to_status     TEXT NOT NULL,
    agency        TEXT,
    public_note   TEXT,
    internal_note TEXT,
    duplicate_of  TEXT,
    PRIMARY KEY (ticket_code, seq)
) STRICT;
CREATE TRIGGER ticket_events_append_only_update BEFORE UPDATE ON ticket_events
BEGIN SELECT RAISE(ABORT, 'ticket_events is append-only'); END;
CREATE TRIGGER ticket_events_append_only_delete BEFORE DELETE ON ticket_events
BEGIN SELECT RAISE(ABORT, 'ticket_events is append-only'); END;

CREATE TABLE idempotency_keys (
    key          TEXT PRIMARY KEY NOT NULL,
    request_hash TEXT NOT NULL,
    ticket_code  TEXT NOT NULL REFERENCES tickets (code),
    created_at   INTEGER NOT NULL
) STRICT;

CREATE TABLE open311_tokens (
    token       TEXT PRIMARY KEY NOT NULL,
    ticket_code TEXT NOT NULL REFERENCES tickets (code)
) STRICT;

CREATE TABLE staff (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('operator', 'agency', 'admin')),
    agency        TEXT,
    created_at    INTEGER NOT NULL,
    CHECK ((role = 'agency') = (agency IS NOT NULL))
) STRICT;

-- Bearer tokens are stored only as SHA-256 hashes.
CREATE TABLE staff_sessions (
    token_hash TEXT PRIMARY KEY NOT NULL,
    staff_id   INTEGER NOT NULL REFERENCES staff (id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER
) STRICT;

CREATE TABLE api_keys (
    key_hash   TEXT PRIMARY KEY NOT NULL,
    label      TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
) STRICT;

CREATE TABLE videos (
    id          TEXT PRIMARY KEY NOT NULL,
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
    created_at  INTEGER NOT NULL,
    -- Removed entries stay as tombstones so a config seed is not re-added.
    removed_at  INTEGER
) STRICT;

CREATE TABLE audit_log (
    id     INTEGER PRIMARY KEY,
    at     INTEGER NOT NULL,
    actor  TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL
) STRICT;
CREATE TRIGGER audit_log_append_only_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_append_only_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
