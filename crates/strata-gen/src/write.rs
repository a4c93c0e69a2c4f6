//! Writing JSON fragments straight into a byte buffer: faster than building
//! `serde_json` values for millions of lines, and the output is simple.

use std::io::Write;

use crate::rng::splitmix64;

/// Appends `s` as a JSON string, escaping what JSON requires.
pub(crate) fn push_str(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    // Generated text rarely needs escaping: copy it whole when it does not.
    if !s.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20) {
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
        return;
    }
    for &b in s.as_bytes() {
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            0..=0x1f => {
                let _ = write!(out, "\\u{b:04x}");
            }
            _ => out.push(b),
        }
    }
    out.push(b'"');
}

/// Appends `,"key":` (or `"key":` at the start of an object).
pub(crate) fn push_key(out: &mut Vec<u8>, key: &str) {
    if !matches!(out.last(), Some(b'{')) {
        out.push(b',');
    }
    out.push(b'"');
    out.extend_from_slice(key.as_bytes());
    out.extend_from_slice(b"\":");
}

/// Appends `,"key":"value"`.
pub(crate) fn push_field(out: &mut Vec<u8>, key: &str, value: &str) {
    push_key(out, key);
    push_str(out, value);
}

/// Appends `,"key":n`.
pub(crate) fn push_number(out: &mut Vec<u8>, key: &str, n: u64) {
    push_key(out, key);
    push_uint(out, n, 1);
}

/// Appends `n` in decimal, zero-padded to at least `width` digits (no
/// formatting machinery: dates and numbers are most of the output).
pub(crate) fn push_uint(out: &mut Vec<u8>, mut n: u64, width: usize) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    while buf.len() - i < width && i > 0 {
        i -= 1;
        buf[i] = b'0';
    }
    out.extend_from_slice(&buf[i..]);
}

/// The id of the event on line `line` of the log seeded `seed`: a random
/// (version 4) UUID derived from both, so retractions can name earlier
/// events without the generator keeping their ids.
pub(crate) fn push_event_id(out: &mut Vec<u8>, seed: u64, line: u64) {
    let base = splitmix64(seed ^ 0x05EE_D1D5);
    let hi = splitmix64(base ^ line.wrapping_mul(2));
    let lo = splitmix64(base ^ line.wrapping_mul(2).wrapping_add(1));
    let mut b = [0u8; 16];
    b[..8].copy_from_slice(&hi.to_be_bytes());
    b[8..].copy_from_slice(&lo.to_be_bytes());
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    for (i, byte) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push(b'-');
        }
        out.push(HEX[usize::from(byte >> 4)]);
        out.push(HEX[usize::from(byte & 0xf)]);
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped_and_ids_are_uuids() {
        let mut out = b"{".to_vec();
        push_field(&mut out, "a", "say \"hi\"\\\n");
        push_number(&mut out, "n", 42);
        out.push(b'}');
        assert_eq!(String::from_utf8(out).unwrap(), r#"{"a":"say \"hi\"\\\u000a","n":42}"#);

        let mut id = Vec::new();
        push_event_id(&mut id, 1, 0);
        let id = String::from_utf8(id).unwrap();
        let id = id.trim_matches('"');
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4", "{id}");
        let mut other = Vec::new();
        push_event_id(&mut other, 1, 1);
        assert_ne!(String::from_utf8(other).unwrap().trim_matches('"'), id);
    }
}
