//! The NDJSON batch reader: every non-blank line of a batch parsed, in
//! order, numbered as editors count. One reader serves every way a batch
//! arrives as text (`Engine::append_text`, `strata import`).

use std::thread;

use crate::{parse_line, InvalidEvent, Location, ParsedLine, Vocabulary};

/// Why a batch was refused before anything was stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BatchError {
    /// The line after line `after` is not UTF-8.
    #[error("the line after line {after} is not valid UTF-8")]
    NotUtf8 {
        /// The last line read whole (0: the first line is not UTF-8).
        after: usize,
    },
    /// A line is not a valid event.
    #[error(transparent)]
    Invalid(#[from] InvalidEvent),
}

/// A batch's events, each with its line.
pub type ParsedBatch = Vec<(Location, ParsedLine)>;

/// A part's events, and how many lines it has.
type Part = (ParsedBatch, usize);

/// Below this many bytes a batch is parsed on one thread.
const PARALLEL_FROM: usize = 1 << 20;

/// Parses every non-blank line of `bytes` (numbered from 1, as editors
/// count), in order; the refusal is the first bad line's, as if the lines
/// were read one by one. A large batch is cut at line ends into one part
/// per core, parsed side by side.
pub fn parse_batch(bytes: &[u8], vocab: &Vocabulary) -> Result<ParsedBatch, BatchError> {
    let threads = thread::available_parallelism().map_or(1, |n| n.get()).min(bytes.len() / PARALLEL_FROM).max(1);
    let mut parts = Vec::with_capacity(threads);
    let mut rest = bytes;
    for i in (1..threads).rev() {
        // Cut after the first newline at or past an even share of what is left.
        let at = rest.len() / (i + 1);
        let cut =
            rest.get(at..).and_then(|tail| tail.iter().position(|b| *b == b'\n')).map_or(rest.len(), |p| at + p + 1);
        let (part, tail) = rest.split_at(cut);
        parts.push(part);
        rest = tail;
    }
    parts.push(rest);
    let results: Vec<Result<Part, BatchError>> = if parts.len() == 1 {
        parts.iter().map(|p| parse_part(p, vocab)).collect()
    } else {
        thread::scope(|s| {
            let handles: Vec<_> = parts.iter().map(|p| s.spawn(move || parse_part(p, vocab))).collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join().unwrap_or_else(|_| {
                        Err(BatchError::Invalid(InvalidEvent::new(Location::Single, "", "the parser failed")))
                    })
                })
                .collect()
        })
    };
    // Number the lines of each part after those of the parts before it,
    // into one vector sized once (grown by doubling, it held up to twice
    // the parsed batch at an import's peak).
    let total: usize = results.iter().map(|r| r.as_ref().map_or(0, |(lines, _)| lines.len())).sum();
    let mut out: ParsedBatch = Vec::new();
    let mut offset = 0usize;
    for result in results {
        match result {
            Ok((mut lines, count)) => {
                if offset > 0 {
                    for (loc, _) in &mut lines {
                        if let Location::Line(n) = loc {
                            *n += offset;
                        }
                    }
                }
                if out.is_empty() {
                    out = lines;
                    out.reserve_exact(total - out.len());
                } else {
                    out.append(&mut lines);
                }
                offset += count;
            }
            Err(BatchError::NotUtf8 { after }) => return Err(BatchError::NotUtf8 { after: after + offset }),
            Err(BatchError::Invalid(mut e)) => {
                if let Location::Line(n) = &mut e.location {
                    *n += offset;
                }
                return Err(BatchError::Invalid(e));
            }
        }
    }
    Ok(out)
}

/// Parses the lines of one part, numbered from 1; returns them and how many
/// lines the part has (blank ones included).
fn parse_part(part: &[u8], vocab: &Vocabulary) -> Result<Part, BatchError> {
    let mut out = Vec::with_capacity(part.iter().filter(|b| **b == b'\n').count() + 1);
    let mut number = 0usize;
    for raw in part.split_inclusive(|b| *b == b'\n') {
        let Ok(line) = std::str::from_utf8(raw) else {
            return Err(BatchError::NotUtf8 { after: number });
        };
        number += 1;
        let text = line.trim_end_matches(['\n', '\r']);
        if text.trim().is_empty() {
            continue;
        }
        let loc = Location::Line(number);
        out.push((loc, parse_line(text, loc, vocab)?));
    }
    Ok((out, number))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DECLARE: &str = r#"{"kind":"entity_declared","at":"2025","subject":{"id":"acme","type":"actor"}}"#;

    #[test]
    fn blank_lines_are_skipped_and_lines_keep_their_numbers() {
        let text = format!("\n{DECLARE}\r\n  \n{DECLARE}");
        let lines = parse_batch(text.as_bytes(), &Vocabulary::builtin()).unwrap();
        let at: Vec<Location> = lines.iter().map(|(loc, _)| *loc).collect();
        assert_eq!(at, [Location::Line(2), Location::Line(4)]);
    }

    #[test]
    fn a_bad_line_is_named_by_its_number_even_in_a_large_batch() {
        // Large enough to be cut into parts on a machine with several cores.
        let mut text = format!("{DECLARE}\n").repeat(3 * PARALLEL_FROM / DECLARE.len());
        let good = text.lines().count();
        text.push_str("{\"kind\":\"nonsense\"}\n");
        match parse_batch(text.as_bytes(), &Vocabulary::builtin()) {
            Err(BatchError::Invalid(e)) => assert_eq!(e.location, Location::Line(good + 1)),
            other => panic!("expected the bad line to be refused, got {:?}", other.map(|l| l.len())),
        }
        let mut bytes = format!("{DECLARE}\n{DECLARE}\n").into_bytes();
        bytes.extend_from_slice(b"\xff\n");
        assert_eq!(parse_batch(&bytes, &Vocabulary::builtin()).map(|l| l.len()), Err(BatchError::NotUtf8 { after: 2 }));
    }
}
