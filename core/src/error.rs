//! The one error envelope of the `/api/v1` API and every message it can carry.
//!
//! Error policy: every failure a client can cause is a 4xx with a code a program
//! can branch on, a sentence a person understands (Indonesian unless the client
//! prefers English) and, where one field is to blame, that field's name. Failures
//! the client cannot cause are a 500 with a generic sentence; their details go to
//! the server log only. The browser shows `message` next to `field`.

use serde::{Deserialize, Serialize};

use crate::{Field, Lang, Status};

/// What went wrong, with what the message needs to say it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    /// The body is not valid JSON, or not of the expected shape.
    InvalidJson { detail: String },
    /// A required field is missing.
    Required,
    /// A field has the wrong type or an impossible value.
    InvalidValue,
    /// The category is not one of the city's.
    UnknownCategory,
    /// The district (kecamatan) is not one of the city's.
    UnknownDistrict,
    /// The village (kelurahan) is not in the chosen district.
    UnknownVillage,
    /// Neither a map location nor a district with an address.
    LocationRequired,
    /// Latitude/longitude not on Earth.
    InvalidCoordinates,
    /// A valid point, but not in the city.
    LocationOutside { city: String },
    /// The description is empty.
    DescriptionEmpty,
    /// Text longer than allowed.
    TooLong { max: usize },
    /// Not an Indonesian phone number.
    PhoneInvalid,
    /// Not an email address.
    EmailInvalid,
    /// More photos than allowed.
    TooManyPhotos { max: usize },
    /// A photo over the size limit.
    PhotoTooLarge { max_mb: usize },
    /// A file that is not a JPEG, PNG or WebP image (by content).
    PhotoUnsupported,
    /// An image that cannot be decoded or is too large in pixels.
    PhotoUnreadable,
    /// The request body is over the limit.
    BodyTooLarge { max_mb: usize },
    /// The media type of the request is not accepted.
    UnsupportedMediaType,
    /// A multipart body that cannot be read, or without its `report` part.
    InvalidMultipart,
    /// Not a ticket code at all.
    CodeMalformed,
    /// A ticket code whose check symbol does not match.
    CodeTypo,
    /// A valid code no ticket has.
    TicketNotFound,
    /// A photo, video or other object that does not exist (or is not public).
    NotFound,
    /// The Idempotency-Key was used before with another request.
    IdempotencyConflict,
    /// The Idempotency-Key header is unusable.
    IdempotencyKeyInvalid,
    /// Too many requests from this client.
    RateLimited { retry_after_s: u64 },
    /// Too many failed sign-ins for this account: it is locked for a while.
    LoginLocked { retry_after_s: u64 },
    /// Missing, unknown or expired credentials.
    Unauthorized,
    /// Wrong username or password.
    BadCredentials,
    /// Authenticated, but not allowed to do this.
    Forbidden,
    /// A status move the machine forbids.
    IllegalTransition { from: Status, to: Status },
    /// Rejecting needs a public reason.
    ReasonRequired,
    /// Marking as duplicate needs the code of the original ticket.
    DuplicateOfRequired,
    /// A ticket cannot be a duplicate of itself.
    DuplicateOfSelf,
    /// The agency is not one of the city's.
    UnknownAgency,
    /// A staff update that changes nothing.
    NothingToChange,
    /// The ticket changed since the revision the change was made on.
    RevisionConflict { current: i64 },
    /// The named staff member is not an active account of the ticket's agency.
    UnknownStaff,
    /// A username with characters other than letters, digits, `.`, `_`, `-`, or of the wrong length.
    UsernameInvalid,
    /// A password shorter than allowed.
    PasswordTooShort { min: usize },
    /// The account is disabled: right password, but no sign-in.
    AccountDisabled,
    /// Another account already has this username.
    UsernameTaken,
    /// An admin disabling their own account or taking away their own admin role.
    OwnAccount,
    /// The ticket already has as many "after" photos as allowed.
    TooManyAfterPhotos { max: usize },
    /// A video upload that is not WebM/MP4, or captions that are not `WebVTT`.
    VideoUnsupported,
    /// The path exists, but not with this HTTP method.
    MethodNotAllowed,
    /// A map area (`bbox`) that is not four numbers south,west,north,east on Earth.
    BboxInvalid,
    /// A number outside the range the endpoint accepts.
    OutOfRange { min: i64, max: i64 },
    /// The ticket is no longer open: nobody can join it any more.
    TicketNotOpen,
    /// Something failed on the server; details are in its log.
    Internal,
    /// The server is shutting down or overloaded.
    Unavailable,
}

impl ErrorKind {
    /// The stable, machine-readable code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            ErrorKind::InvalidJson { .. } => "invalid_json",
            ErrorKind::Required => "required",
            ErrorKind::InvalidValue => "invalid_value",
            ErrorKind::UnknownCategory => "unknown_category",
            ErrorKind::UnknownDistrict => "unknown_district",
            ErrorKind::UnknownVillage => "unknown_village",
            ErrorKind::LocationRequired => "location_required",
            ErrorKind::InvalidCoordinates => "invalid_coordinates",
            ErrorKind::LocationOutside { .. } => "location_outside_city",
            ErrorKind::DescriptionEmpty => "description_empty",
            ErrorKind::TooLong { .. } => "too_long",
            ErrorKind::PhoneInvalid => "phone_invalid",
            ErrorKind::EmailInvalid => "email_invalid",
            ErrorKind::TooManyPhotos { .. } => "too_many_photos",
            ErrorKind::PhotoTooLarge { .. } => "photo_too_large",
            ErrorKind::PhotoUnsupported => "photo_unsupported",
            ErrorKind::PhotoUnreadable => "photo_unreadable",
            ErrorKind::BodyTooLarge { .. } => "body_too_large",
            ErrorKind::UnsupportedMediaType => "unsupported_media_type",
            ErrorKind::InvalidMultipart => "invalid_multipart",
            ErrorKind::CodeMalformed => "ticket_code_malformed",
            ErrorKind::CodeTypo => "ticket_code_typo",
            ErrorKind::TicketNotFound => "ticket_not_found",
            ErrorKind::NotFound => "not_found",
            ErrorKind::IdempotencyConflict => "idempotency_conflict",
            ErrorKind::IdempotencyKeyInvalid => "idempotency_key_invalid",
            ErrorKind::RateLimited { .. } => "rate_limited",
            ErrorKind::LoginLocked { .. } => "login_locked",
            ErrorKind::Unauthorized => "unauthorized",
            ErrorKind::BadCredentials => "bad_credentials",
            ErrorKind::Forbidden => "forbidden",
            ErrorKind::IllegalTransition { .. } => "illegal_transition",
            ErrorKind::ReasonRequired => "reason_required",
            ErrorKind::DuplicateOfRequired => "duplicate_of_required",
            ErrorKind::DuplicateOfSelf => "duplicate_of_self",
            ErrorKind::UnknownAgency => "unknown_agency",
            ErrorKind::NothingToChange => "nothing_to_change",
            ErrorKind::RevisionConflict { .. } => "revision_conflict",
            ErrorKind::UnknownStaff => "unknown_staff",
            ErrorKind::UsernameInvalid => "username_invalid",
            ErrorKind::PasswordTooShort { .. } => "password_too_short",
            ErrorKind::AccountDisabled => "account_disabled",
            ErrorKind::UsernameTaken => "username_taken",
            ErrorKind::OwnAccount => "own_account",
            ErrorKind::TooManyAfterPhotos { .. } => "too_many_after_photos",
            ErrorKind::VideoUnsupported => "video_unsupported",
            ErrorKind::MethodNotAllowed => "method_not_allowed",
            ErrorKind::Internal => "internal",
            ErrorKind::Unavailable => "unavailable",
            ErrorKind::BboxInvalid => "bbox_invalid",
            ErrorKind::OutOfRange { .. } => "out_of_range",
            ErrorKind::TicketNotOpen => "ticket_not_open",
        }
    }

    /// The HTTP status that carries it.
    #[must_use]
    pub fn http_status(&self) -> u16 {
        match self {
            ErrorKind::InvalidJson { .. }
            | ErrorKind::CodeMalformed
            | ErrorKind::CodeTypo
            | ErrorKind::IdempotencyKeyInvalid
            | ErrorKind::InvalidMultipart => 400,
            ErrorKind::Unauthorized | ErrorKind::BadCredentials => 401,
            ErrorKind::Forbidden | ErrorKind::AccountDisabled => 403,
            ErrorKind::TicketNotFound | ErrorKind::NotFound => 404,
            ErrorKind::IdempotencyConflict
            | ErrorKind::IllegalTransition { .. }
            | ErrorKind::RevisionConflict { .. }
            | ErrorKind::UsernameTaken
            | ErrorKind::OwnAccount
            | ErrorKind::TicketNotOpen => 409,
            ErrorKind::TooManyPhotos { .. } | ErrorKind::PhotoTooLarge { .. } | ErrorKind::BodyTooLarge { .. } => 413,
            ErrorKind::PhotoUnsupported | ErrorKind::UnsupportedMediaType | ErrorKind::VideoUnsupported => 415,
            ErrorKind::MethodNotAllowed => 405,
            ErrorKind::RateLimited { .. } | ErrorKind::LoginLocked { .. } => 429,
            ErrorKind::Internal => 500,
            ErrorKind::Unavailable => 503,
            ErrorKind::Required
            | ErrorKind::BboxInvalid
            | ErrorKind::OutOfRange { .. }
            | ErrorKind::InvalidValue
            | ErrorKind::UnknownCategory
            | ErrorKind::UnknownDistrict
            | ErrorKind::UnknownVillage
            | ErrorKind::LocationRequired
            | ErrorKind::InvalidCoordinates
            | ErrorKind::LocationOutside { .. }
            | ErrorKind::DescriptionEmpty
            | ErrorKind::TooLong { .. }
            | ErrorKind::PhoneInvalid
            | ErrorKind::EmailInvalid
            | ErrorKind::PhotoUnreadable
            | ErrorKind::ReasonRequired
            | ErrorKind::DuplicateOfRequired
            | ErrorKind::DuplicateOfSelf
            | ErrorKind::UnknownAgency
            | ErrorKind::NothingToChange
            | ErrorKind::UnknownStaff
            | ErrorKind::UsernameInvalid
            | ErrorKind::PasswordTooShort { .. }
            | ErrorKind::TooManyAfterPhotos { .. } => 422,
        }
    }

    /// The sentence a person reads.
    #[must_use]
    #[expect(clippy::too_many_lines, reason = "one flat table of every message in both languages")]
    pub fn message(&self, lang: Lang) -> String {
        let (id, en): (String, String) = match self {
            ErrorKind::InvalidJson { detail } => (
                format!("Data yang dikirim tidak dapat dibaca ({detail})."),
                format!("The data sent could not be read ({detail})."),
            ),
            ErrorKind::Required => ("Wajib diisi.".into(), "This is required.".into()),
            ErrorKind::InvalidValue => ("Nilai tidak sah.".into(), "This value is not valid.".into()),
            ErrorKind::UnknownCategory => (
                "Kategori tidak dikenal. Pilih salah satu kategori yang tersedia.".into(),
                "Unknown category. Choose one of the categories offered.".into(),
            ),
            ErrorKind::UnknownDistrict => ("Kecamatan tidak dikenal.".into(), "Unknown district (kecamatan).".into()),
            ErrorKind::UnknownVillage => (
                "Kelurahan tidak ada di kecamatan yang dipilih.".into(),
                "That village (kelurahan) is not in the chosen district.".into(),
            ),
            ErrorKind::LocationRequired => (
                "Tentukan lokasi di peta, atau pilih kecamatan dan tulis alamat atau patokan.".into(),
                "Place the location on the map, or choose a district and write an address or landmark.".into(),
            ),
            ErrorKind::InvalidCoordinates => {
                ("Koordinat lokasi tidak sah.".into(), "The location's coordinates are not valid.".into())
            }
            ErrorKind::LocationOutside { city } => {
                (format!("Lokasi di luar wilayah {city}."), format!("The location is outside {city}."))
            }
            ErrorKind::DescriptionEmpty => ("Ceritakan apa yang terjadi.".into(), "Describe what happened.".into()),
            ErrorKind::TooLong { max } => (
                format!("Terlalu panjang: paling banyak {max} karakter."),
                format!("Too long: at most {max} characters."),
            ),
            ErrorKind::PhoneInvalid => (
                "Nomor telepon tidak sah. Contoh: 0812 3456 7890.".into(),
                "Not a valid phone number. Example: 0812 3456 7890.".into(),
            ),
            ErrorKind::EmailInvalid => (
                "Alamat email tidak sah. Contoh: nama@contoh.id.".into(),
                "Not a valid email address. Example: name@example.id.".into(),
            ),
            ErrorKind::TooManyPhotos { max } => {
                (format!("Paling banyak {max} foto."), format!("At most {max} photos."))
            }
            ErrorKind::PhotoTooLarge { max_mb } => (
                format!("Foto terlalu besar: paling besar {max_mb} MB per foto."),
                format!("Photo too large: at most {max_mb} MB each."),
            ),
            ErrorKind::PhotoUnsupported => (
                "Berkas ini bukan foto JPEG, PNG atau WebP.".into(),
                "This file is not a JPEG, PNG or WebP photo.".into(),
            ),
            ErrorKind::PhotoUnreadable => (
                "Foto rusak atau terlalu besar ukurannya (piksel) untuk dibaca.".into(),
                "The photo is damaged or too large (in pixels) to read.".into(),
            ),
            ErrorKind::BodyTooLarge { max_mb } => (
                format!("Kiriman terlalu besar: paling besar {max_mb} MB."),
                format!("Request too large: at most {max_mb} MB."),
            ),
            ErrorKind::UnsupportedMediaType => (
                "Jenis data tidak didukung. Kirim JSON atau multipart/form-data.".into(),
                "Unsupported content type. Send JSON or multipart/form-data.".into(),
            ),
            ErrorKind::InvalidMultipart => (
                "Kiriman multipart/form-data rusak atau tidak berisi bagian \"report\".".into(),
                "The multipart/form-data body is broken or has no \"report\" part.".into(),
            ),
            ErrorKind::CodeMalformed => (
                "Itu bukan kode tiket. Kode tiket terdiri dari 9 huruf dan angka, misalnya K7M-2QX-94R.".into(),
                "That is not a ticket code. A ticket code has 9 letters and digits, e.g. K7M-2QX-94R.".into(),
            ),
            ErrorKind::CodeTypo => (
                "Kode tiket ini sepertinya salah ketik. Periksa kembali setiap huruf dan angkanya.".into(),
                "This ticket code probably has a typo. Check each letter and digit again.".into(),
            ),
            ErrorKind::TicketNotFound => {
                ("Tidak ada tiket dengan kode ini.".into(), "There is no ticket with this code.".into())
            }
            ErrorKind::NotFound => ("Tidak ditemukan.".into(), "Not found.".into()),
            ErrorKind::IdempotencyConflict => (
                "Kunci pengiriman ini sudah dipakai untuk laporan lain.".into(),
                "This Idempotency-Key was already used for a different report.".into(),
            ),
            ErrorKind::IdempotencyKeyInvalid => (
                "Idempotency-Key harus 8 sampai 128 karakter huruf, angka, '-' atau '_'.".into(),
                "Idempotency-Key must be 8 to 128 letters, digits, '-' or '_'.".into(),
            ),
            ErrorKind::RateLimited { retry_after_s } => (
                format!("Terlalu banyak permintaan. Coba lagi dalam {retry_after_s} detik."),
                format!("Too many requests. Try again in {retry_after_s} seconds."),
            ),
            ErrorKind::LoginLocked { retry_after_s } => (
                format!(
                    "Terlalu banyak percobaan masuk yang gagal untuk akun ini. Demi keamanan, coba lagi dalam \
                     {retry_after_s} detik."
                ),
                format!(
                    "Too many failed sign-in attempts for this account. For safety, try again in {retry_after_s} \
                     seconds."
                ),
            ),
            ErrorKind::Unauthorized => (
                "Silakan masuk terlebih dahulu, atau sesi Anda telah berakhir.".into(),
                "Please sign in first, or your session has expired.".into(),
            ),
            ErrorKind::BadCredentials => {
                ("Nama pengguna atau kata sandi salah.".into(), "Wrong username or password.".into())
            }
            ErrorKind::Forbidden => {
                ("Anda tidak berwenang melakukan ini.".into(), "You are not allowed to do this.".into())
            }
            ErrorKind::IllegalTransition { from, to } => (
                format!(
                    "Status tidak dapat diubah dari \"{}\" menjadi \"{}\".",
                    from.label(Lang::Id),
                    to.label(Lang::Id)
                ),
                format!("The status cannot change from \"{}\" to \"{}\".", from.label(Lang::En), to.label(Lang::En)),
            ),
            ErrorKind::ReasonRequired => {
                ("Tulis alasannya untuk pelapor.".into(), "Write the reason, for the reporter.".into())
            }
            ErrorKind::DuplicateOfRequired => {
                ("Sebutkan kode tiket aslinya.".into(), "Give the code of the original ticket.".into())
            }
            ErrorKind::DuplicateOfSelf => (
                "Tiket tidak dapat menjadi duplikat dirinya sendiri.".into(),
                "A ticket cannot be a duplicate of itself.".into(),
            ),
            ErrorKind::UnknownAgency => ("Dinas tidak dikenal.".into(), "Unknown agency.".into()),
            ErrorKind::NothingToChange => (
                "Tidak ada yang diubah: isi status, dinas, atau catatan.".into(),
                "Nothing to change: give a status, an agency or a note.".into(),
            ),
            #[cfg(feature = "staff")]
            ErrorKind::RevisionConflict { .. } => (
                "Tiket ini baru saja diubah oleh petugas lain. Periksa perubahannya, lalu ulangi tindakan Anda.".into(),
                "Someone else has just changed this ticket. Check what changed, then try again.".into(),
            ),
            #[cfg(feature = "staff")]
            ErrorKind::UnknownStaff => (
                "Petugas ini tidak dikenal atau bukan petugas dinas tiket ini.".into(),
                "This staff member is unknown or not with this ticket's agency.".into(),
            ),
            ErrorKind::UsernameInvalid => (
                "Nama pengguna harus 3 sampai 64 huruf, angka, '.', '_' atau '-'.".into(),
                "A username has 3 to 64 letters, digits, '.', '_' or '-'.".into(),
            ),
            ErrorKind::PasswordTooShort { min } => (
                format!("Kata sandi paling sedikit {min} karakter."),
                format!("The password must have at least {min} characters."),
            ),
            #[cfg(feature = "staff")]
            ErrorKind::AccountDisabled => (
                "Akun ini dinonaktifkan. Hubungi admin.".into(),
                "This account is disabled. Ask an administrator.".into(),
            ),
            #[cfg(feature = "staff")]
            ErrorKind::UsernameTaken => (
                "Nama pengguna ini sudah dipakai akun lain. Pilih nama lain.".into(),
                "Another account already has this username. Choose another.".into(),
            ),
            #[cfg(feature = "staff")]
            ErrorKind::OwnAccount => (
                "Anda tidak dapat menonaktifkan akun Anda sendiri atau mencabut peran admin Anda sendiri. Minta admin \
                 lain melakukannya."
                    .into(),
                "You cannot disable your own account or take away your own admin role. Ask another administrator."
                    .into(),
            ),
            #[cfg(feature = "staff")]
            ErrorKind::TooManyAfterPhotos { max } => (
                format!("Tiket ini sudah memiliki {max} foto sesudah penanganan; tidak dapat menambah lagi."),
                format!("This ticket already has {max} \"after\" photos; no more can be added."),
            ),
            // Only staff meet these; the citizens' app leaves their words out.
            #[cfg(not(feature = "staff"))]
            ErrorKind::RevisionConflict { .. }
            | ErrorKind::UnknownStaff
            | ErrorKind::AccountDisabled
            | ErrorKind::UsernameTaken
            | ErrorKind::OwnAccount
            | ErrorKind::TooManyAfterPhotos { .. } => {
                ("Permintaan petugas ditolak.".into(), "The staff request was refused.".into())
            }
            ErrorKind::VideoUnsupported => (
                "Video harus WebM atau MP4 dan teks harus WebVTT.".into(),
                "The video must be WebM or MP4 and captions WebVTT.".into(),
            ),
            ErrorKind::MethodNotAllowed => (
                "Metode HTTP ini tidak didukung di alamat ini.".into(),
                "This HTTP method is not supported at this address.".into(),
            ),
            ErrorKind::Internal => (
                "Terjadi kesalahan di server. Data Anda tidak hilang; coba lagi sebentar lagi.".into(),
                "Something went wrong on the server. Nothing you sent is lost; try again shortly.".into(),
            ),
            ErrorKind::Unavailable => (
                "Layanan sedang sibuk. Coba lagi sebentar lagi.".into(),
                "The service is busy. Try again shortly.".into(),
            ),
            ErrorKind::BboxInvalid => (
                "Area peta (bbox) harus empat angka: selatan,barat,utara,timur (derajat), selatan di bawah utara dan \
                 barat di bawah timur."
                    .into(),
                "The map area (bbox) must be four numbers: south,west,north,east (degrees), south below north and west \
                 below east."
                    .into(),
            ),
            ErrorKind::OutOfRange { min, max } => {
                (format!("Harus angka bulat dari {min} sampai {max}."), format!("Must be a whole number from {min} to {max}."))
            }
            ErrorKind::TicketNotOpen => (
                "Laporan ini sudah selesai atau ditutup. Kirim laporan baru bila masalahnya muncul lagi.".into(),
                "This report is already resolved or closed. Send a new report if the problem is back.".into(),
            ),
        };
        match lang {
            Lang::Id => id,
            Lang::En => en,
        }
    }
}

/// A failure, possibly pinned to one field of the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub kind: ErrorKind,
    /// The request field to blame.
    pub field: Option<Field>,
}

impl ApiError {
    /// A failure of the request as a whole.
    #[must_use]
    pub fn new(kind: ErrorKind) -> Self {
        Self { kind, field: None }
    }

    /// A failure of one field.
    #[must_use]
    pub fn field(kind: ErrorKind, field: impl Into<Field>) -> Self {
        Self { kind, field: Some(field.into()) }
    }

    /// The body the client receives.
    #[must_use]
    pub fn envelope(&self, lang: Lang) -> ErrorEnvelope {
        let allowed = match &self.kind {
            ErrorKind::IllegalTransition { from, .. } => from.allowed_next().to_vec(),
            _ => Vec::new(),
        };
        ErrorEnvelope {
            error: ErrorBody {
                code: self.kind.code().to_owned(),
                message: self.kind.message(lang),
                field: self.field.clone(),
                allowed,
                revision: match self.kind {
                    ErrorKind::RevisionConflict { current } => Some(current),
                    _ => None,
                },
            },
        }
    }
}

impl From<ErrorKind> for ApiError {
    fn from(kind: ErrorKind) -> Self {
        Self::new(kind)
    }
}

/// `{"error": {"code": ..., "message": ..., "field": ...}}`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorEnvelope {
    pub error: ErrorBody,
}

/// The content of the envelope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// Stable code to branch on, e.g. `location_outside_city`.
    pub code: String,
    /// A sentence for people, in the language asked for.
    pub message: String,
    /// The request field it concerns, if one, dotted: `location.accuracy_m`,
    /// `contact.phone`, `photo[1]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub field: Option<Field>,
    /// For `illegal_transition`: the statuses the ticket may move to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub allowed: Vec<Status>,
    /// For `revision_conflict`: the ticket's revision now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn illegal_transition_lists_allowed_moves() {
        let e =
            ApiError::field(ErrorKind::IllegalTransition { from: Status::Received, to: Status::Closed }, Field::Status);
        let env = e.envelope(Lang::En);
        assert_eq!(env.error.code, "illegal_transition");
        assert_eq!(env.error.allowed, Status::Received.allowed_next());
        assert!(env.error.message.contains("Received"));
        let json = serde_json::to_value(&env).unwrap();
        assert_eq!(json["error"]["allowed"][0], "verified");
    }

    #[test]
    fn outside_message_names_the_city() {
        let kind = ErrorKind::LocationOutside { city: "Kota Bitung".into() };
        assert_eq!(kind.message(Lang::Id), "Lokasi di luar wilayah Kota Bitung.");
        assert_eq!(kind.http_status(), 422);
    }

    #[test]
    fn login_lockout_says_how_long_in_both_languages() {
        let kind = ErrorKind::LoginLocked { retry_after_s: 8 };
        assert_eq!((kind.code(), kind.http_status()), ("login_locked", 429));
        assert_eq!(
            kind.message(Lang::Id),
            "Terlalu banyak percobaan masuk yang gagal untuk akun ini. Demi keamanan, coba lagi dalam 8 detik."
        );
        assert_eq!(
            kind.message(Lang::En),
            "Too many failed sign-in attempts for this account. For safety, try again in 8 seconds."
        );
    }

    #[test]
    fn envelope_omits_absent_field() {
        let json = serde_json::to_string(&ApiError::new(ErrorKind::TicketNotFound).envelope(Lang::Id)).unwrap();
        assert!(!json.contains("field"));
        assert!(json.contains("ticket_not_found"));
    }
}
