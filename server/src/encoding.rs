//! Answers compressed once, ahead of time, instead of on every request.
//!
//! The city configuration and the rendered public tickets are read far more
//! often than they change. Compressing them per request (the router's
//! compression layer does that for everything else) costs more CPU than the
//! rest of the request together; here they are compressed once and each
//! request picks the encoding it accepts. The
//! compression layer leaves answers that already have a `Content-Encoding`
//! alone.

use std::io::Write as _;

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};

/// One body in the encodings clients ask for.
#[derive(Debug, Clone)]
pub struct Precompressed {
    identity: Bytes,
    br: Bytes,
    gzip: Bytes,
}

/// How hard to compress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effort {
    /// For what is made once and sent for as long as the server runs (the
    /// city): the strongest settings, brotli 11 and gzip 9.
    Once,
    /// For what is made again after every change (ticket views): brotli 5
    /// and gzip 6 — for a 700-byte ticket 8 % larger than brotli 11, at a
    /// tenth of its CPU time.
    Often,
}

/// A brotli window that fits what is compressed here.
const BROTLI_WINDOW: u32 = 22;

impl Precompressed {
    /// Compresses `identity` with brotli and gzip, keeping an encoding only
    /// when it is smaller.
    #[must_use]
    pub fn new(identity: Bytes, effort: Effort) -> Self {
        let (brotli_quality, gzip_level) = match effort {
            Effort::Once => (11, 9),
            Effort::Often => (5, 6),
        };
        let mut br = brotli::CompressorWriter::new(Vec::new(), 4096, brotli_quality, BROTLI_WINDOW);
        let br = match br.write_all(&identity).and_then(|()| br.flush()) {
            Ok(()) => br.into_inner(),
            Err(_) => Vec::new(),
        };
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(gzip_level));
        let gzip = gz.write_all(&identity).and_then(|()| gz.finish()).unwrap_or_default();
        let smaller = |encoded: Vec<u8>| {
            if encoded.is_empty() || encoded.len() >= identity.len() { Bytes::new() } else { Bytes::from(encoded) }
        };
        Self { br: smaller(br), gzip: smaller(gzip), identity }
    }

    /// The uncompressed body.
    #[must_use]
    pub fn identity(&self) -> &Bytes {
        &self.identity
    }

    /// The smallest encoding the request accepts, and its `Content-Encoding`.
    #[must_use]
    pub fn pick(&self, request: &HeaderMap) -> (Option<&'static str>, &Bytes) {
        let accept = request.get_all(header::ACCEPT_ENCODING);
        let accepts = |coding: &str| accept.iter().filter_map(|v| v.to_str().ok()).any(|v| accepts(v, coding));
        if !self.br.is_empty() && accepts("br") {
            (Some("br"), &self.br)
        } else if !self.gzip.is_empty() && accepts("gzip") {
            (Some("gzip"), &self.gzip)
        } else {
            (None, &self.identity)
        }
    }

    /// The answer to `request`: the body in the encoding it accepts, with
    /// `content_type`, `cache_control` and `Vary: Accept-Encoding`.
    #[must_use]
    pub fn respond(&self, request: &HeaderMap, content_type: &'static str, cache_control: &'static str) -> Response {
        let (encoding, body) = self.pick(request);
        let mut response = body.clone().into_response();
        let h = response.headers_mut();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache_control));
        h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        if let Some(encoding) = encoding {
            h.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
        }
        response
    }
}

/// Whether an `Accept-Encoding` value accepts `coding` (by name or `*`, with
/// a q-value above zero).
fn accepts(value: &str, coding: &str) -> bool {
    let mut named = None;
    let mut any = None;
    for item in value.split(',') {
        let mut parts = item.split(';');
        let name = parts.next().unwrap_or_default().trim();
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q=").or_else(|| p.trim().strip_prefix("Q=")))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        if name.eq_ignore_ascii_case(coding) {
            named = Some(q > 0.0);
        } else if name == "*" {
            any = Some(q > 0.0);
        }
    }
    named.or(any).unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_encoding_is_read_with_q_values() {
        assert!(accepts("gzip, deflate, br", "br"));
        assert!(accepts("gzip, deflate, br, zstd", "gzip"));
        assert!(!accepts("gzip", "br"));
        assert!(!accepts("br;q=0, gzip", "br"));
        assert!(accepts("BR;q=0.5", "br"));
        assert!(accepts("*", "br"));
        assert!(!accepts("*;q=0", "gzip"));
        assert!(!accepts("gzip;q=0, *", "gzip"), "a named coding wins over *");
        assert!(!accepts("", "gzip"));
    }

    fn decode_br(b: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        brotli::BrotliDecompress(&mut std::io::Cursor::new(b), &mut out).expect("brotli");
        out
    }

    #[test]
    fn every_encoding_holds_the_same_body() {
        let body = Bytes::from(r#"{"code":"K7M-2QX-94R","status":"received","timeline":[]}"#.repeat(20));
        for effort in [Effort::Once, Effort::Often] {
            check_encodings(&body, &Precompressed::new(body.clone(), effort));
        }
        // Too small to gain anything: sent as it is.
        let tiny = Precompressed::new(Bytes::from_static(b"{}"), Effort::Once);
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT_ENCODING, HeaderValue::from_static("br, gzip"));
        assert_eq!(tiny.pick(&h).0, None);
    }

    fn check_encodings(body: &Bytes, p: &Precompressed) {
        let headers = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert(header::ACCEPT_ENCODING, HeaderValue::from_str(v).expect("value"));
            h
        };
        let (enc, br) = p.pick(&headers("gzip, deflate, br"));
        assert_eq!(enc, Some("br"));
        assert_eq!(decode_br(br), *body);
        let (enc, gz) = p.pick(&headers("gzip"));
        assert_eq!(enc, Some("gzip"));
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gz[..]), &mut out).expect("gzip");
        assert_eq!(out, *body);
        assert_eq!(p.pick(&HeaderMap::new()), (None, body));
        assert_eq!(p.pick(&headers("identity")), (None, body));
    }
}
