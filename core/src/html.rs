//! Text put into HTML: what the server fills into its page templates and
//! what the app writes as markup of its own.

use std::fmt;

/// Text with the characters HTML gives a meaning escaped, for element
/// content and quoted attribute values; written without an allocation of
/// its own (`write!(html, "<p>{}</p>", Escaped(text))`).
#[derive(Debug, Clone, Copy)]
pub struct Escaped<'a>(pub &'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        while let Some(i) = rest.find(['&', '<', '>', '"', '\'']) {
            f.write_str(&rest[..i])?;
            f.write_str(match rest.as_bytes()[i] {
                b'&' => "&amp;",
                b'<' => "&lt;",
                b'>' => "&gt;",
                b'"' => "&quot;",
                _ => "&#39;",
            })?;
            rest = &rest[i + 1..];
        }
        f.write_str(rest)
    }
}

/// `s` escaped, as a string (see [`Escaped`]).
#[must_use]
pub fn escape(s: &str) -> String {
    Escaped(s).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_html_reads_as_markup_and_keeps_the_rest() {
        assert_eq!(
            escape(r#"Air & <b>"listrik"</b> 'mati' — é"#),
            "Air &amp; &lt;b&gt;&quot;listrik&quot;&lt;/b&gt; &#39;mati&#39; — é"
        );
        assert_eq!(escape("Sampah menumpuk"), "Sampah menumpuk");
        assert_eq!(escape(""), "");
    }
}
