-- Konsol 112 administration: the supervisor role, disabled accounts, "after"
-- photos and reply templates.

-- The staff table's CHECK lists the roles, and SQLite cannot change a CHECK:
-- the table is rebuilt under its own name. Foreign keys (sessions, and any
-- other table naming staff) are deferred to the commit, so dropping the old
-- rows and inserting them again with the same ids leaves every reference whole.
PRAGMA defer_foreign_keys = ON;

CREATE TEMP TABLE staff_copy AS SELECT id, username, password_hash, role, agency, created_at FROM staff;
DROP TABLE staff;
CREATE TABLE staff (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('operator', 'agency', 'supervisor', 'admin')),
    agency        TEXT,
    created_at    INTEGER NOT NULL,
    -- Set while the account may not sign in.
    disabled_at   INTEGER,
    CHECK ((role = 'agency') = (agency IS NOT NULL))
) STRICT;
INSERT INTO staff (id, username, password_hash, role, agency, created_at)
    SELECT id, username, password_hash, role, agency, created_at FROM staff_copy;
DROP TABLE staff_copy;

CREATE INDEX staff_sessions_by_staff ON staff_sessions (staff_id);

-- Photos of a report ('report') or that staff add when handling it ('after').
-- Positions stay unique per ticket across both kinds: "after" photos follow.
ALTER TABLE photos ADD COLUMN kind TEXT NOT NULL DEFAULT 'report' CHECK (kind IN ('report', 'after'));

CREATE TABLE reply_templates (
    id         INTEGER PRIMARY KEY,
    status     TEXT NOT NULL,
    title      TEXT NOT NULL,
    text       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

CREATE INDEX audit_log_by_actor ON audit_log (actor, id);
CREATE INDEX audit_log_by_action ON audit_log (action, id);

-- Replies operators and agencies start from most often; admins change them.
INSERT INTO reply_templates (status, title, text, created_at, updated_at) VALUES
    ('verified', 'Laporan diterima dan diperiksa',
     'Terima kasih atas laporan Anda. Laporan sudah kami periksa dan akan diteruskan ke dinas yang berwenang.', 0, 0),
    ('rejected', 'Bukan wewenang Pemerintah Kota',
     'Mohon maaf, laporan ini bukan wewenang Pemerintah Kota Bitung. Silakan sampaikan kepada instansi yang berwenang.', 0, 0),
    ('rejected', 'Informasi kurang lengkap',
     'Mohon maaf, informasi dalam laporan ini belum cukup untuk ditindaklanjuti. Silakan kirim laporan baru dengan lokasi dan keterangan yang lebih lengkap.', 0, 0),
    ('rejected', 'Laporan tidak dapat diverifikasi',
     'Mohon maaf, petugas tidak menemukan kejadian seperti yang dilaporkan di lokasi tersebut.', 0, 0),
    ('on_hold', 'Menunggu informasi dari pelapor',
     'Penanganan ditunda sementara karena kami memerlukan informasi tambahan dari pelapor. Petugas akan menghubungi Anda.', 0, 0),
    ('on_hold', 'Menunggu cuaca membaik',
     'Penanganan ditunda sementara demi keselamatan petugas dan akan dilanjutkan setelah cuaca membaik.', 0, 0),
    ('in_progress', 'Petugas menuju lokasi',
     'Petugas sedang menuju lokasi untuk menangani laporan Anda.', 0, 0),
    ('in_progress', 'Sedang ditangani',
     'Laporan Anda sedang ditangani oleh petugas dinas terkait.', 0, 0),
    ('resolved', 'Selesai ditangani',
     'Laporan Anda telah selesai ditangani. Terima kasih telah membantu menjaga Kota Bitung.', 0, 0),
    ('closed', 'Ditutup',
     'Laporan ini ditutup. Jika masalah muncul kembali, silakan kirim laporan baru.', 0, 0);
