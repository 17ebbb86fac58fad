//! Every word of the console, Indonesian (the default) and English side by
//! side, so neither language can miss a string.

use portal112_core::Lang;
use portal112_core::dto::Role;

macro_rules! words {
    ($($name:ident: $id:expr, $en:expr;)*) => {
        /// The console's words in one language.
        #[derive(Debug)]
        pub struct Words {
            $(pub $name: &'static str,)*
            /// The keyboard shortcuts and what they do.
            pub shortcut_list: &'static [(&'static str, &'static str)],
        }
        const ID: Words = Words { $($name: $id,)* shortcut_list: SHORTCUTS_ID };
        const EN: Words = Words { $($name: $en,)* shortcut_list: SHORTCUTS_EN };
    };
}

/// The table of `lang`.
#[must_use]
pub fn words(lang: Lang) -> &'static Words {
    match lang {
        Lang::Id => &ID,
        Lang::En => &EN,
    }
}

impl Words {
    /// A role's name.
    #[must_use]
    pub fn role(&self, role: Role) -> &'static str {
        match role {
            Role::Operator => self.role_operator,
            Role::Agency => self.role_agency,
            Role::Supervisor => self.role_supervisor,
            Role::Admin => self.role_admin,
        }
    }
}

const SHORTCUTS_ID: &[(&str, &str)] = &[
    ("/", "Cari tiket"),
    ("j / ↓", "Tiket berikutnya"),
    ("k / ↑", "Tiket sebelumnya"),
    ("Enter", "Buka tiket"),
    ("Esc", "Tutup / batal"),
    ("n", "Catat panggilan telepon baru"),
    ("v", "Verifikasi"),
    ("f", "Teruskan ke dinas"),
    ("m", "Terima tiket (dinas)"),
    ("s", "Mulai tangani"),
    ("r", "Selesai ditangani"),
    ("c", "Tutup tiket"),
    ("b", "Kembalikan ke dinas"),
    ("t", "Tolak"),
    ("d", "Tandai duplikat"),
    ("h", "Tunda"),
    ("l", "Lanjutkan yang ditunda"),
    ("a", "Tugaskan petugas"),
    ("p", "Ubah prioritas"),
    ("u", "Catatan untuk publik"),
    ("i", "Catatan internal"),
    ("Ctrl+Enter", "Kirim formulir"),
    ("?", "Tampilkan pintasan"),
];

const SHORTCUTS_EN: &[(&str, &str)] = &[
    ("/", "Search tickets"),
    ("j / ↓", "Next ticket"),
    ("k / ↑", "Previous ticket"),
    ("Enter", "Open ticket"),
    ("Esc", "Close / cancel"),
    ("n", "Record a new phone call"),
    ("v", "Verify"),
    ("f", "Forward to agency"),
    ("m", "Take the ticket (agency)"),
    ("s", "Start work"),
    ("r", "Resolve"),
    ("c", "Close ticket"),
    ("b", "Send back to the agency"),
    ("t", "Reject"),
    ("d", "Mark duplicate"),
    ("h", "Put on hold"),
    ("l", "Resume from hold"),
    ("a", "Assign staff"),
    ("p", "Change priority"),
    ("u", "Public note"),
    ("i", "Internal note"),
    ("Ctrl+Enter", "Send the form"),
    ("?", "Show shortcuts"),
];

words! {
    loading: "Memuat…", "Loading…";
    retry: "Coba lagi", "Try again";
    config_failed: "Konfigurasi kota tidak dapat dimuat. Periksa sambungan.", "The city configuration could not be loaded. Check the connection.";
    skip: "Langsung ke isi", "Skip to content";
    menu: "Menu konsol", "Console menu";
    queue: "Antrean", "Queue";
    inbox: "Kotak masuk dinas", "Agency inbox";
    intake: "Panggilan baru", "New call";
    standby: "Siaga", "Standby";
    audit: "Log audit", "Audit log";
    accounts: "Akun petugas", "Staff accounts";
    templates: "Templat balasan", "Reply templates";
    videos: "Video", "Videos";
    shortcuts: "Pintasan", "Shortcuts";
    other_lang: "English", "Bahasa Indonesia";
    other_lang_tag: "en", "id";
    sign_out: "Keluar", "Sign out";
    sign_in: "Masuk", "Sign in";
    signing_in: "Masuk…", "Signing in…";
    sign_in_intro: "Untuk operator Call Center 112, supervisor, dinas, dan admin.", "For Call Center 112 operators, supervisors, agencies and administrators.";
    username: "Nama pengguna", "Username";
    password: "Kata sandi", "Password";
    session_ended: "Sesi Anda telah berakhir", "Your session has ended";
    session_kept: "Masuk lagi untuk melanjutkan. Apa yang sedang Anda ketik tetap ada.", "Sign in again to continue. What you were typing is kept.";
    not_found: "Halaman tidak ditemukan", "Page not found";
    role_operator: "Operator", "Operator";
    role_agency: "Dinas", "Agency";
    role_supervisor: "Supervisor", "Supervisor";
    role_admin: "Admin", "Administrator";
    live: "● Langsung", "● Live";
    live_off: "○ Menyambung ulang…", "○ Reconnecting…";
    search: "Cari", "Search";
    search_hint: "Kode tiket atau kata", "Ticket code or words";
    status: "Status", "Status";
    any: "Semua", "All";
    agency: "Dinas", "Agency";
    category: "Kategori", "Category";
    district: "Kecamatan", "District";
    village: "Kelurahan", "Village";
    channel: "Saluran", "Channel";
    priority: "Prioritas", "Priority";
    show_finished: "Tampilkan juga yang selesai", "Also show finished tickets";
    tickets_count: "tiket", "tickets";
    queue_empty: "Tidak ada tiket yang menunggu. Tiket baru muncul di sini otomatis.", "No tickets waiting. New tickets appear here by themselves.";
    queue_keys: "j/k atau ↑/↓ untuk pindah, Enter untuk membuka, / untuk mencari, ? untuk semua pintasan.", "j/k or ↑/↓ to move, Enter to open, / to search, ? for all shortcuts.";
    new_mark: "BARU", "NEW";
    new_report_arrived: "Laporan baru masuk:", "New report arrived:";
    confidential: "Rahasia", "Confidential";
    ticket: "Tiket", "Ticket";
    back_to_queue: "Kembali ke antrean", "Back to the queue";
    close_ticket: "Tutup tiket ini", "Close this ticket";
    close: "Tutup", "Close";
    assignee: "Petugas", "Assigned to";
    supporters: "Warga yang juga mengalami", "Citizens with the same problem";
    nobody: "Belum ada", "Nobody yet";
    received_at: "Diterima", "Received";
    place: "Lokasi", "Place";
    no_place: "Tanpa alamat", "No address";
    contact: "Kontak pelapor", "Reporter's contact";
    anonymous: "Anonim", "Anonymous";
    description: "Uraian", "Description";
    photos: "Foto", "Photos";
    photo: "Foto", "Photo";
    after_photo: "Sesudah", "After";
    after_photo_add: "Tambah foto sesudah ditangani (JPEG, PNG, WebP)", "Add an \"after\" photo (JPEG, PNG, WebP)";
    history: "Riwayat", "History";
    forwarded_to: "Diteruskan ke", "Forwarded to";
    duplicate_of: "Duplikat dari", "Duplicate of";
    public: "Publik", "Public";
    internal: "Internal", "Internal";
    actions: "Tindakan", "Actions";
    act_verify: "Verifikasi", "Verify";
    act_forward: "Teruskan", "Forward";
    act_reject: "Tolak", "Reject";
    act_duplicate: "Duplikat", "Duplicate";
    act_hold: "Tunda", "Hold";
    act_resume: "Lanjutkan", "Resume";
    act_assign: "Tugaskan", "Assign";
    act_take: "Terima tiket", "Take ticket";
    act_priority: "Prioritas", "Priority";
    act_public_note: "Catatan publik", "Public note";
    act_internal_note: "Catatan internal", "Internal note";
    act_start: "Mulai tangani", "Start work";
    act_resolve: "Selesai", "Resolve";
    act_close: "Tutup tiket", "Close ticket";
    act_send_back: "Kembalikan", "Send back";
    taken_note: "Tiket diterima oleh dinas.", "Ticket taken by the agency.";
    to_agency: "Ke dinas", "To agency";
    no_standby: "tidak ada petugas siaga", "no one on standby";
    on_standby: "siaga", "on standby";
    no_standby_warning: "Perhatian: dinas ini tidak punya petugas siaga saat ini. Hubungi dinas lewat telepon setelah meneruskan.", "Warning: this agency has no one on standby right now. Call the agency after forwarding.";
    assignee_optional: "Petugas (boleh kosong)", "Staff member (optional)";
    standby_officer: "Petugas siaga saat ini", "The officer on standby now";
    resume_to: "Lanjutkan ke", "Resume as";
    original_code: "Kode tiket asli", "Code of the original ticket";
    nearby_title: "Tiket terbuka kategori sama dalam 200 m", "Open tickets of the same category within 200 m";
    nearby_none: "Tidak ada tiket serupa di dekatnya.", "No similar tickets nearby.";
    template: "Templat balasan", "Reply template";
    template_none: "— tanpa templat —", "— no template —";
    public_note_required: "Alasan untuk pelapor (wajib, terlihat publik)", "Reason for the reporter (required, public)";
    public_note_optional: "Catatan untuk pelapor (boleh kosong, terlihat publik)", "Note for the reporter (optional, public)";
    reason_internal: "Alasan (internal)", "Reason (internal)";
    internal_note: "Catatan internal (hanya petugas)", "Internal note (staff only)";
    allowed_moves: "Langkah yang diizinkan", "Allowed moves";
    changed_meanwhile: "Yang berubah sementara itu:", "What changed meanwhile:";
    conflict_retry: "Tiket di atas sudah diperbarui. Periksa, lalu kirim lagi jika masih perlu.", "The ticket above is now up to date. Check it, then send again if still needed.";
    save: "Simpan", "Save";
    saving: "Menyimpan…", "Saving…";
    saved: "Tersimpan", "Saved";
    details_public: "Uraian, patokan dan foto pelapor tampil untuk publik setelah diverifikasi.",
        "The description, landmark and reporter's photos are public once verified.";
    details_hidden: "Uraian, patokan dan foto pelapor disembunyikan dari publik.",
        "The description, landmark and reporter's photos are hidden from the public.";
    details_hide: "Sembunyikan dari publik", "Hide from the public";
    details_show: "Tampilkan untuk publik", "Show to the public";
    cancel: "Batal", "Cancel";
    map_of_place: "Peta lokasi", "Map of the place";
    open_osm: "Buka di OpenStreetMap", "Open in OpenStreetMap";
    map_failed: "peta tidak dapat dimuat", "the map could not be loaded";
    pin_set: "Titik dipilih", "Pin set";
    pin_hint: "Klik peta untuk menandai titik (boleh dilewati: pilih kecamatan dan kelurahan).", "Click the map to set a pin (optional: choose district and village instead).";
    pin_clear: "Hapus titik", "Clear pin";
    pin_title: "Titik di peta", "Pin on the map";
    intake_title: "Catat panggilan 112", "Record a 112 call";
    caller_name: "Nama penelepon (boleh kosong)", "Caller's name (optional)";
    caller_phone: "Nomor penelepon (boleh kosong)", "Caller's number (optional)";
    category_search: "Kategori — ketik untuk mencari, Enter untuk memilih", "Category — type to search, Enter to choose";
    urgent: "darurat", "urgent";
    pick_category: "Pilih kategori dari daftar.", "Choose a category from the list.";
    choose: "— pilih —", "— choose —";
    landmark: "Alamat atau patokan", "Address or landmark";
    create_ticket: "Buat tiket", "Create ticket";
    intake_keys: "Tab untuk pindah kolom, ↑/↓ dan Enter untuk memilih kategori, Ctrl+Enter untuk membuat tiket.", "Tab between fields, ↑/↓ and Enter to choose the category, Ctrl+Enter to create the ticket.";
    ticket_created: "Tiket dibuat", "Ticket created";
    read_code: "Bacakan kode ini kepada penelepon:", "Read this code to the caller:";
    forward_to: "Verifikasi dan teruskan ke", "Verify and forward to";
    new_call: "Panggilan baru", "New call";
    open_ticket: "Buka tiket", "Open ticket";
    standby_title: "Siaga 1 x 24 jam", "Standby around the clock";
    standby_intro: "Setiap dinas menyiagakan petugas sepanjang hari. Tiket yang diteruskan tanpa petugas tertentu diberikan kepada petugas siaga.", "Every agency keeps someone on standby around the clock. A ticket forwarded without a named staff member goes to the officer on standby.";
    standby_now: "Siaga sekarang", "On standby now";
    shift: "Sif", "Shift";
    officers: "Petugas", "Officers";
    roster: "Jadwal siaga 7 hari", "7-day standby roster";
    date: "Tanggal", "Date";
    edit: "Ubah", "Edit";
    account_new: "Akun baru", "New account";
    role_label: "Peran", "Role";
    add: "Tambah", "Add";
    state: "Keadaan", "State";
    active: "Aktif", "Active";
    disabled: "Nonaktif", "Disabled";
    enable: "Aktifkan", "Enable";
    disable: "Nonaktifkan", "Disable";
    new_password: "Kata sandi baru", "New password";
    reset_password: "Setel ulang sandi", "Reset password";
    templates_intro: "Templat membantu petugas menulis catatan publik yang jelas dan seragam untuk setiap status.", "Templates help staff write clear, consistent public notes for each status.";
    template_new: "Templat baru", "New template";
    template_edit: "Ubah templat", "Edit template";
    title: "Judul", "Title";
    text: "Teks", "Text";
    removed: "Dihapus", "Removed";
    remove: "Hapus", "Remove";
    videos_intro: "Video cara memakai layanan, per dinas. Berkas video diunggah lewat API; di sini tautan YouTube.", "How-to videos per agency. Video files are uploaded through the API; YouTube links here.";
    video_new: "Video YouTube baru", "New YouTube video";
    title_id: "Judul (Indonesia)", "Title (Indonesian)";
    title_en: "Judul (Inggris)", "Title (English)";
    youtube_id: "ID video YouTube (11 karakter)", "YouTube video id (11 characters)";
    source: "Sumber", "Source";
    video_generated: "Dibuat dari portal", "Made from the portal";
    actor: "Pelaku", "Actor";
    action: "Tindakan", "Action";
    target: "Sasaran", "Target";
    since: "Dari tanggal", "From";
    until: "Sampai tanggal", "Until";
    entries: "entri", "entries";
    page: "halaman", "page";
    time: "Waktu", "Time";
    previous: "Sebelumnya", "Previous";
    next: "Berikutnya", "Next";
    due_in: "lagi", "left";
    due_late: "Terlambat", "Late by";
    due_paused: "Jam berhenti (ditunda)", "Clock stopped (on hold)";
    due_left: "sisa", "left";
    due_by: "Batas", "Due";
    stage: "Tahap", "Stage";
    late: "Terlambat", "Late";
    late_intro: "Tiket yang melewati batas waktu tahapnya, per dinas dan tahap. Setiap keterlambatan dicatat sekali di riwayat tiket dan log audit.", "Tickets past their stage's due time, by agency and stage. Each late stage is recorded once in the ticket's history and the audit log.";
    late_none: "Tidak ada tiket yang terlambat.", "No ticket is late.";
    late_only: "Hanya yang terlambat", "Late only";
    webhooks: "Webhook", "Webhooks";
    webhooks_intro: "Sistem milik dinas menerima pemberitahuan bertanda tangan (Standard Webhooks) setiap kali tiketnya diteruskan, berubah, atau melewati batas waktu layanan.", "Agencies' own systems receive signed notices (Standard Webhooks) whenever one of their tickets is forwarded, changes, or passes a service-level deadline.";
    webhook_new: "Endpoint baru", "New endpoint";
    webhook_url: "URL penerima (http atau https)", "Receiver URL (http or https)";
    webhook_endpoints: "Endpoint", "Endpoints";
    webhook_none: "Belum ada endpoint.", "No endpoints yet.";
    webhook_secret: "Kunci penanda tangan", "Signing secret";
    webhook_secret_once: "Salin kunci ini sekarang dan serahkan ke pengelola sistem dinas. Kunci hanya ditampilkan sekali ini dan tidak dapat dilihat lagi.", "Copy this secret now and give it to the agency's system administrator. It is shown only this once and cannot be seen again.";
    webhook_secret_done: "Sudah disalin, tutup", "Copied, close";
    webhook_remove_confirm: "Hapus endpoint ini? Sistem dinas tidak akan menerima pemberitahuan lagi.", "Remove this endpoint? The agency's system will receive no more notices.";
    webhook_remove_yes: "Ya, hapus", "Yes, remove";
    deliveries: "Pengiriman terakhir", "Recent deliveries";
    deliveries_failed_only: "Hanya yang gagal", "Failed only";
    deliveries_none: "Belum ada pengiriman.", "No deliveries yet.";
    delivery_event: "Peristiwa", "Event";
    delivery_state: "Keadaan", "State";
    delivery_attempts: "Percobaan", "Attempts";
    delivery_result: "Hasil terakhir", "Last result";
    delivery_pending: "Menunggu", "Pending";
    delivery_delivered: "Terkirim", "Delivered";
    delivery_failed: "Gagal", "Failed";
    resend: "Kirim ulang", "Send again";
    resent: "Dijadwalkan kirim ulang", "Scheduled to send again";
    refresh: "Muat ulang", "Reload";
}
