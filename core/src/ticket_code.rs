//! Ticket codes: short, speakable, typo-detecting identifiers such as `K7M-2QX-94R`.
//!
//! A code is 8 random symbols (40 bits) followed by one check symbol, written in
//! three groups of three. The alphabet is Crockford's base 32 (`0-9 A-Z` without
//! `I L O U`): no two symbols look alike, and when a caller reads a code over the
//! phone, `O`/`0` and `I`/`L`/`1` are taken to be the same symbol.
//!
//! The check symbol comes from the Damm algorithm over a totally anti-symmetric
//! quasigroup of order 32, `x * y = a·x + y` in GF(32) with `a ∉ {0, 1}`. That
//! detects every single wrong symbol and every swap of two different neighbours,
//! the check symbol included — the two mistakes people make when copying codes.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Crockford base 32: digits and upper-case letters without I, L, O and U.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Random symbols in a code (5 bits each: 40 bits of entropy).
pub const RANDOM_SYMBOLS: usize = 8;
/// All symbols of a code, check symbol included.
pub const SYMBOLS: usize = RANDOM_SYMBOLS + 1;
/// How many random bytes [`TicketCode::from_random_bytes`] consumes.
pub const RANDOM_BYTES: usize = 5;

/// Multiplier of the quasigroup; any element of GF(32) but 0 and 1 works.
const DAMM_A: u8 = 2;

/// Multiplication in GF(2⁵) modulo the primitive polynomial x⁵ + x² + 1.
const fn gf32_mul(mut x: u8, mut y: u8) -> u8 {
    let mut product = 0;
    while y != 0 {
        if y & 1 != 0 {
            product ^= x;
        }
        y >>= 1;
        x <<= 1;
        if x & 0b10_0000 != 0 {
            x ^= 0b10_0101;
        }
    }
    product
}

/// The quasigroup operation of the Damm check.
const fn damm_op(interim: u8, symbol: u8) -> u8 {
    gf32_mul(DAMM_A, interim) ^ symbol
}

/// Runs the Damm check over symbol values; a valid code ends at 0.
fn damm(values: &[u8]) -> u8 {
    values.iter().fold(0, |interim, &v| damm_op(interim, v))
}

/// The check symbol that makes `damm(values ++ [check]) == 0`.
fn check_value(values: &[u8]) -> u8 {
    // a·r + c = 0 in characteristic 2 means c = a·r.
    gf32_mul(DAMM_A, damm(values))
}

/// The value of one typed character, treating look-alikes as the same symbol.
fn symbol_value(c: char) -> Option<u8> {
    let c = match c.to_ascii_uppercase() {
        'O' => '0',
        'I' | 'L' => '1',
        other => other,
    };
    ALPHABET.iter().position(|&a| char::from(a) == c).map(|p| p as u8)
}

/// Characters people put between groups; ignored when reading a code.
fn is_separator(c: char) -> bool {
    c.is_whitespace() || matches!(c, '-' | '‐' | '–' | '—' | '.' | '_' | '/' | '·')
}

/// Why a string is not a ticket code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeError {
    /// Wrong length or a character that is not part of any code.
    Malformed,
    /// Well-formed, but the check symbol does not match: probably a typo.
    Typo,
}

/// A valid ticket code (check symbol verified), stored in canonical form.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TicketCode([u8; SYMBOLS]);

impl TicketCode {
    /// Builds a code from 5 bytes of a cryptographically secure random source.
    #[must_use]
    pub fn from_random_bytes(bytes: [u8; RANDOM_BYTES]) -> Self {
        let bits = bytes.iter().fold(0_u64, |acc, &b| (acc << 8) | u64::from(b));
        let mut values = [0_u8; SYMBOLS];
        for (i, value) in values.iter_mut().take(RANDOM_SYMBOLS).enumerate() {
            let shift = 5 * (RANDOM_SYMBOLS - 1 - i);
            *value = ((bits >> shift) & 0b1_1111) as u8;
        }
        values[RANDOM_SYMBOLS] = check_value(&values[..RANDOM_SYMBOLS]);
        Self(values.map(|v| ALPHABET[usize::from(v)]))
    }

    /// Reads a code as a person typed or dictated it: case, spaces and separators
    /// do not matter, and `O`/`0`, `I`/`L`/`1` are the same symbol.
    pub fn parse(input: &str) -> Result<Self, CodeError> {
        let mut values = [0_u8; SYMBOLS];
        let mut n = 0;
        for c in input.chars().filter(|&c| !is_separator(c)) {
            let value = symbol_value(c).ok_or(CodeError::Malformed)?;
            *values.get_mut(n).ok_or(CodeError::Malformed)? = value;
            n += 1;
        }
        if n != SYMBOLS {
            return Err(CodeError::Malformed);
        }
        if damm(&values) != 0 {
            return Err(CodeError::Typo);
        }
        Ok(Self(values.map(|v| ALPHABET[usize::from(v)])))
    }

    /// The nine symbols without separators, e.g. `K7M2QX94R` (the storage key).
    #[must_use]
    pub fn compact(&self) -> &str {
        // Only ASCII symbols from ALPHABET are ever stored.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

/// Groups of three for reading aloud: `K7M-2QX-94R`.
impl fmt::Display for TicketCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.compact();
        write!(f, "{}-{}-{}", &s[0..3], &s[3..6], &s[6..9])
    }
}

impl fmt::Debug for TicketCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TicketCode({self})")
    }
}

impl FromStr for TicketCode {
    type Err = CodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for TicketCode {
    type Error = CodeError;

    /// Reads a stored code back.
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl Serialize for TicketCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for TicketCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Self::parse(&s).map_err(|e| {
            serde::de::Error::custom(match e {
                CodeError::Malformed => "malformed ticket code",
                CodeError::Typo => "ticket code fails its check symbol",
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn any_code() -> impl Strategy<Value = TicketCode> {
        any::<[u8; RANDOM_BYTES]>().prop_map(TicketCode::from_random_bytes)
    }

    #[test]
    fn quasigroup_is_totally_anti_symmetric() {
        for c in 0..32 {
            for x in 0..32 {
                for y in 0..32 {
                    if x != y {
                        assert_ne!(damm_op(damm_op(c, x), y), damm_op(damm_op(c, y), x));
                        assert_ne!(damm_op(x, y), damm_op(y, x));
                    }
                }
            }
        }
    }

    #[test]
    fn alphabet_has_no_look_alikes() {
        for forbidden in [b'I', b'L', b'O', b'U'] {
            assert!(!ALPHABET.contains(&forbidden));
        }
        let mut sorted = ALPHABET.to_vec();
        sorted.dedup();
        assert_eq!(sorted.len(), 32);
    }

    #[test]
    fn known_code_round_trips() {
        let code = TicketCode::from_random_bytes([0, 0, 0, 0, 0]);
        assert_eq!(code.compact().len(), SYMBOLS);
        assert_eq!(TicketCode::parse(&code.to_string()), Ok(code));
    }

    #[test]
    fn short_and_long_and_foreign_inputs_are_malformed() {
        assert_eq!(TicketCode::parse(""), Err(CodeError::Malformed));
        assert_eq!(TicketCode::parse("ABC"), Err(CodeError::Malformed));
        assert_eq!(TicketCode::parse("ABCDEFGHJK"), Err(CodeError::Malformed));
        assert_eq!(TicketCode::parse("ABC-DEF-GH!"), Err(CodeError::Malformed));
        assert_eq!(TicketCode::parse("ABC-DEF-GHU"), Err(CodeError::Malformed));
        assert_eq!(TicketCode::parse("ÄBC-DEF-GHJ"), Err(CodeError::Malformed));
    }

    proptest! {
        #[test]
        fn at_most_ten_symbols_and_forty_random_bits(bytes in any::<[u8; RANDOM_BYTES]>()) {
            let code = TicketCode::from_random_bytes(bytes);
            prop_assert!(code.compact().len() <= 10);
            // Distinct random inputs give distinct codes: all 40 bits survive.
            let mut other = bytes;
            other[4] ^= 1;
            prop_assert_ne!(code, TicketCode::from_random_bytes(other));
            prop_assert!(code.compact().bytes().all(|b| ALPHABET.contains(&b)));
        }

        #[test]
        fn every_bit_of_randomness_reaches_the_code(bytes in any::<[u8; RANDOM_BYTES]>(), bit in 0..40_usize) {
            let mut flipped = bytes;
            flipped[bit / 8] ^= 1 << (bit % 8);
            prop_assert_ne!(TicketCode::from_random_bytes(bytes), TicketCode::from_random_bytes(flipped));
        }

        #[test]
        fn display_parses_back(code in any_code()) {
            prop_assert_eq!(TicketCode::parse(&code.to_string()), Ok(code));
            prop_assert_eq!(TicketCode::parse(code.compact()), Ok(code));
        }

        #[test]
        fn case_spaces_and_separators_do_not_matter(
            code in any_code(),
            seps in proptest::collection::vec(prop::sample::select(vec!["", " ", "-", "  ", ".", "\t", "_", "/"]), SYMBOLS + 1),
            lower in any::<[bool; SYMBOLS]>(),
        ) {
            let mut typed = String::from(seps[0]);
            for (i, c) in code.compact().chars().enumerate() {
                typed.push(if lower[i] { c.to_ascii_lowercase() } else { c });
                typed.push_str(seps[i + 1]);
            }
            prop_assert_eq!(TicketCode::parse(&typed), Ok(code));
        }

        #[test]
        fn look_alikes_read_the_same(code in any_code(), which in any::<[u8; SYMBOLS]>()) {
            let typed: String = code.compact().chars().zip(which).map(|(c, w)| match (c, w % 3) {
                ('0', 0) => 'O',
                ('0', 1) => 'o',
                ('1', 0) => 'I',
                ('1', 1) => 'l',
                ('1', 2) => 'L',
                (c, _) => c,
            }).collect();
            prop_assert_eq!(TicketCode::parse(&typed), Ok(code));
        }

        #[test]
        fn any_single_wrong_symbol_is_detected(code in any_code(), pos in 0..SYMBOLS, replacement in 0..32_usize) {
            let mut symbols: Vec<u8> = code.compact().bytes().collect();
            prop_assume!(symbols[pos] != ALPHABET[replacement]);
            symbols[pos] = ALPHABET[replacement];
            let typed = String::from_utf8(symbols).unwrap();
            prop_assert_eq!(TicketCode::parse(&typed), Err(CodeError::Typo));
        }

        #[test]
        fn any_swap_of_neighbours_is_detected(code in any_code(), pos in 0..SYMBOLS - 1) {
            let mut symbols: Vec<u8> = code.compact().bytes().collect();
            prop_assume!(symbols[pos] != symbols[pos + 1]);
            symbols.swap(pos, pos + 1);
            let typed = String::from_utf8(symbols).unwrap();
            prop_assert_eq!(TicketCode::parse(&typed), Err(CodeError::Typo));
        }

        #[test]
        fn parser_never_panics(input in "\\PC{0,40}") {
            let _ = TicketCode::parse(&input);
        }

        #[test]
        fn serde_uses_the_display_form(code in any_code()) {
            let json = serde_json::to_string(&code).unwrap();
            prop_assert_eq!(&json, &format!("\"{code}\""));
            let back: TicketCode = serde_json::from_str(&json).unwrap();
            prop_assert_eq!(back, code);
        }
    }
}
