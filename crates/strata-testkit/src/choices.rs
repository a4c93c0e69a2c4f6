//! Where the grammar's decisions come from: a seed (strata-gen's ChaCha8
//! stream) or a byte slice (a fuzzer's input, read as it is consumed).

use strata_gen::Rng;

/// A source of decisions.
pub trait Choices {
    /// A number in `0..n` (0 when `n` is 0 or 1).
    fn below(&mut self, n: u32) -> u32;
}

/// Decisions from a seed (strata-gen's ChaCha8 stream).
pub struct SeedChoices(Rng);

impl SeedChoices {
    /// The stream for `seed`.
    pub fn new(seed: u64) -> SeedChoices {
        SeedChoices(Rng::new(seed))
    }
}

impl Choices for SeedChoices {
    fn below(&mut self, n: u32) -> u32 {
        self.0.below(u64::from(n)) as u32
    }
}

/// Decisions read from bytes (a fuzzer's input); 0 once they run out.
pub struct ByteChoices<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> ByteChoices<'a> {
    /// Reads decisions from `bytes`.
    pub fn new(bytes: &'a [u8]) -> ByteChoices<'a> {
        ByteChoices { bytes, at: 0 }
    }

    /// Whether every byte has been read.
    pub fn exhausted(&self) -> bool {
        self.at >= self.bytes.len()
    }
}

impl Choices for ByteChoices<'_> {
    fn below(&mut self, n: u32) -> u32 {
        if n <= 1 {
            return 0;
        }
        let width = if n <= 1 << 8 {
            1
        } else if n <= 1 << 16 {
            2
        } else {
            4
        };
        let mut v: u32 = 0;
        for _ in 0..width {
            let b = self.bytes.get(self.at).copied().unwrap_or(0);
            self.at = self.at.saturating_add(1);
            v = (v << 8) | u32::from(b);
        }
        v % n
    }
}

pub(crate) fn chance(c: &mut dyn Choices, percent: u32) -> bool {
    c.below(100) < percent
}

pub(crate) fn pick<T: Clone>(c: &mut dyn Choices, xs: &[T]) -> Option<T> {
    if xs.is_empty() {
        return None;
    }
    xs.get(c.below(xs.len() as u32) as usize).cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_run_out_into_zeros() {
        let mut c = ByteChoices::new(&[7, 1, 2]);
        assert_eq!(c.below(5), 2);
        assert_eq!(c.below(300), 258);
        assert!(c.exhausted());
        assert_eq!(c.below(9), 0);
    }
}
