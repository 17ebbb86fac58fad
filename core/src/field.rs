//! The part of a request a problem concerns: typed on both sides, written on
//! the wire as the dotted names the API has always used (`location.accuracy_m`,
//! `contact.phone`, `photo[1]`), so clients see no change.
//!
//! The app places a server's message next to the input it concerns by
//! matching on this type, not on strings it would have to retype.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A field of a request body, query or header.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Field {
    // A citizen's report.
    Category,
    Location,
    LocationAccuracy,
    District,
    Village,
    Address,
    Description,
    ContactName,
    ContactPhone,
    ContactEmail,
    /// The photos as a whole (`photo`), or the n-th one (`photo[n]`).
    Photo(Option<usize>),
    /// The `report` part of a multipart upload.
    Report,
    IdempotencyKey,
    /// The request body as a whole.
    Body,
    // A staff change.
    Status,
    Agency,
    PublicNote,
    InternalNote,
    DuplicateOf,
    Revision,
    Priority,
    Assignee,
    Channel,
    // Phone intake.
    CallerName,
    CallerPhone,
    // Reply templates and the standby roster.
    Title,
    Text,
    Date,
    Shift,
    Officers,
    // Staff accounts and API keys.
    Username,
    Password,
    Role,
    Label,
    /// Whether an account is disabled.
    Disabled,
    // Queries and paths.
    Query,
    /// The staff list's free-text search (`q`).
    Search,
    /// The staff list's `open=true`.
    Open,
    /// The staff list's `late=true`.
    Late,
    /// The staff list's order (`sort`).
    Sort,
    /// The first day of a roster page (`from`).
    From,
    /// How many days a roster page covers (`days`).
    Days,
    Page,
    PageSize,
    Since,
    Until,
    Code,
    /// An audit log action name.
    Action,
    // The video catalogue.
    Video,
    Poster,
    YoutubeId,
    Meta,
    /// A caption track, by language (`captions_id`, `captions_en`).
    Captions(crate::Lang),
    /// Anything else, by its wire name: a JSON path that did not decode, an
    /// Open311 parameter, a name this build does not know yet.
    Other(String),
}

/// Wire names of the fields without data, in one table both ways.
const NAMES: [(Field, &str); 31] = [
    (Field::Category, "category"),
    (Field::Location, "location"),
    (Field::LocationAccuracy, "location.accuracy_m"),
    (Field::District, "district"),
    (Field::Village, "village"),
    (Field::Address, "address"),
    (Field::Description, "description"),
    (Field::ContactName, "contact.name"),
    (Field::ContactPhone, "contact.phone"),
    (Field::ContactEmail, "contact.email"),
    (Field::Photo(None), "photo"),
    (Field::Report, "report"),
    (Field::IdempotencyKey, "Idempotency-Key"),
    (Field::Body, "body"),
    (Field::Status, "status"),
    (Field::Agency, "agency"),
    (Field::PublicNote, "public_note"),
    (Field::InternalNote, "internal_note"),
    (Field::DuplicateOf, "duplicate_of"),
    (Field::Username, "username"),
    (Field::Password, "password"),
    (Field::Role, "role"),
    (Field::Label, "label"),
    (Field::Query, "query"),
    (Field::Page, "page"),
    (Field::PageSize, "page_size"),
    (Field::Since, "since"),
    (Field::Code, "code"),
    (Field::Video, "video"),
    (Field::Poster, "poster"),
    (Field::YoutubeId, "youtube_id"),
];

/// Wire names of the fields only staff requests have: only builds with the
/// `staff` feature (the server, Konsol 112) carry them, so the citizens' app
/// pays nothing for them (it reads a name it does not know as [`Field::Other`]).
#[cfg(feature = "staff")]
const STAFF_NAMES: [(Field, &str); 20] = [
    (Field::Revision, "revision"),
    (Field::Priority, "priority"),
    (Field::Assignee, "assignee"),
    (Field::Channel, "channel"),
    (Field::CallerName, "caller_name"),
    (Field::CallerPhone, "caller_phone"),
    (Field::Title, "title"),
    (Field::Text, "text"),
    (Field::Date, "date"),
    (Field::Shift, "shift"),
    (Field::Officers, "officers"),
    (Field::Disabled, "disabled"),
    (Field::Search, "q"),
    (Field::Open, "open"),
    (Field::Late, "late"),
    (Field::Sort, "sort"),
    (Field::From, "from"),
    (Field::Days, "days"),
    (Field::Until, "until"),
    (Field::Action, "action"),
];
#[cfg(not(feature = "staff"))]
const STAFF_NAMES: [(Field, &str); 0] = [];

/// Every wire name this build knows.
fn names() -> impl Iterator<Item = &'static (Field, &'static str)> {
    NAMES.iter().chain(STAFF_NAMES.iter())
}

impl Field {
    /// The n-th photo of a report.
    #[must_use]
    pub fn photo(index: usize) -> Self {
        Field::Photo(Some(index))
    }

    /// Reads a wire name; names this build does not know become [`Field::Other`].
    #[must_use]
    pub fn from_name(name: &str) -> Self {
        if let Some((field, _)) = names().find(|(_, n)| *n == name) {
            return field.clone();
        }
        if let Some(index) = name.strip_prefix("photo[").and_then(|rest| rest.strip_suffix(']'))
            && let Ok(index) = index.parse()
        {
            return Field::Photo(Some(index));
        }
        match name {
            "meta" => Field::Meta,
            "captions_id" => Field::Captions(crate::Lang::Id),
            "captions_en" => Field::Captions(crate::Lang::En),
            other => Field::Other(other.to_owned()),
        }
    }

    /// Whether this is one of the report's contact fields.
    #[must_use]
    pub fn is_contact(&self) -> bool {
        matches!(self, Field::ContactName | Field::ContactPhone | Field::ContactEmail)
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Field::Photo(Some(index)) => write!(f, "photo[{index}]"),
            Field::Meta => f.write_str("meta"),
            Field::Captions(lang) => write!(f, "captions_{}", lang.tag()),
            Field::Other(name) => f.write_str(name),
            known => f.write_str(names().find(|(field, _)| field == known).map_or("", |(_, name)| name)),
        }
    }
}

impl From<&str> for Field {
    fn from(name: &str) -> Self {
        Field::from_name(name)
    }
}

impl From<String> for Field {
    fn from(name: String) -> Self {
        Field::from_name(&name)
    }
}

impl Serialize for Field {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Field {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Ok(Field::from_name(&name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_reads_back_from_its_wire_name() {
        let mut all: Vec<Field> = names().map(|(f, _)| f.clone()).collect();
        all.extend([
            Field::photo(0),
            Field::photo(2),
            Field::Meta,
            Field::Captions(crate::Lang::Id),
            Field::Captions(crate::Lang::En),
            Field::Other("attribute[district]".into()),
        ]);
        for field in all {
            let name = field.to_string();
            assert!(!name.is_empty(), "{field:?} has a wire name");
            assert_eq!(Field::from_name(&name), field, "{name}");
        }
    }

    #[test]
    fn wire_names_stay_as_clients_know_them() {
        assert_eq!(Field::LocationAccuracy.to_string(), "location.accuracy_m");
        assert_eq!(Field::photo(1).to_string(), "photo[1]");
        assert_eq!(Field::IdempotencyKey.to_string(), "Idempotency-Key");
        assert_eq!(serde_json::to_string(&Field::ContactPhone).unwrap(), "\"contact.phone\"");
        assert_eq!(serde_json::from_str::<Field>("\"photo[3]\"").unwrap(), Field::photo(3));
        assert_eq!(serde_json::from_str::<Field>("\"x.y\"").unwrap(), Field::Other("x.y".into()));
    }
}
