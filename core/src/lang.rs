//! The two languages of the portal: Bahasa Indonesia first, English second.

use serde::{Deserialize, Serialize};

/// A language a citizen can read the portal in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// Bahasa Indonesia, the default everywhere.
    #[default]
    Id,
    /// English.
    En,
}

impl Lang {
    /// The BCP 47 tag, for `<html lang>` and `Content-Language`.
    #[must_use]
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Id => "id",
            Lang::En => "en",
        }
    }

    /// Reads a tag such as `en-GB` or `id`; anything else is `None`.
    #[must_use]
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "id" | "in" => Some(Lang::Id),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// Picks from an `Accept-Language` header the language with the highest
    /// weight among those we speak; Indonesian when none is named or on a tie.
    #[must_use]
    pub fn from_accept_language(header: &str) -> Lang {
        let mut best: Option<(Lang, u32)> = None;
        for item in header.split(',').take(32) {
            let mut parts = item.split(';');
            let Some(lang) = parts.next().and_then(Lang::from_tag) else {
                continue;
            };
            let q = parts.find_map(|p| p.trim().strip_prefix("q=")).map_or(1000, parse_q);
            let better = match best {
                None => q > 0,
                Some((current, best_q)) => q > best_q || (q == best_q && current != Lang::Id && lang == Lang::Id),
            };
            if better {
                best = Some((lang, q));
            }
        }
        best.map_or(Lang::Id, |(lang, _)| lang)
    }
}

/// A q-value as thousandths, so weights compare exactly.
fn parse_q(q: &str) -> u32 {
    let q = q.trim();
    let (int, frac) = q.split_once('.').unwrap_or((q, ""));
    let whole: u32 = match int {
        "1" => 1000,
        "0" | "" => 0,
        _ => return 0,
    };
    let frac: String = frac.chars().take(3).collect();
    let digits = format!("{frac:0<3}");
    whole + digits.parse::<u32>().unwrap_or(0).min(1000 - whole)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indonesian_is_the_default() {
        assert_eq!(Lang::from_accept_language(""), Lang::Id);
        assert_eq!(Lang::from_accept_language("fr-FR, de;q=0.5"), Lang::Id);
        assert_eq!(Lang::from_accept_language("*"), Lang::Id);
    }

    #[test]
    fn english_when_preferred() {
        assert_eq!(Lang::from_accept_language("en"), Lang::En);
        assert_eq!(Lang::from_accept_language("en-US,en;q=0.9"), Lang::En);
        assert_eq!(Lang::from_accept_language("fr, en;q=0.8, id;q=0.5"), Lang::En);
        assert_eq!(Lang::from_accept_language("id;q=0.2, en;q=0.9"), Lang::En);
    }

    #[test]
    fn indonesian_wins_ties_and_when_preferred() {
        assert_eq!(Lang::from_accept_language("en, id"), Lang::Id);
        assert_eq!(Lang::from_accept_language("id-ID,id;q=0.9,en-US;q=0.8,en;q=0.7"), Lang::Id);
        assert_eq!(Lang::from_accept_language("en;q=0"), Lang::Id);
    }
}
