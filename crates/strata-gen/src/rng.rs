//! The generator's randomness: a seeded ChaCha8 stream and integer-only
//! sampling on top of it, so that a seed gives the same log on every platform.
//!
//! Floating point is avoided on purpose: `ln`/`powf` come from the platform's
//! libm and may differ in the last bit, which would change a log's bytes.
//!
//! [`Rng`] is public so that the randomised tests draw from the same stream:
//! a seed they print repeats their run.

use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};

/// One step of SplitMix64: spreads a 64-bit seed (or counter) over all bits.
pub fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A seeded random number generator: the same seed gives the same numbers on
/// every platform.
pub struct Rng(ChaCha8Rng);

impl Rng {
    /// The generator for `seed`.
    pub fn new(seed: u64) -> Rng {
        let mut key = [0u8; 32];
        let mut x = seed;
        for chunk in key.chunks_mut(8) {
            x = splitmix64(x);
            chunk.copy_from_slice(&x.to_le_bytes());
        }
        Rng(ChaCha8Rng::from_seed(key))
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// A number in `0..n` (0 when `n` is 0). The multiply-shift map has a bias
    /// below 2^-40 for the ranges used here, far under anything measurable.
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// A number in `lo..hi` (`lo` when the range is empty).
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi.saturating_sub(lo))
    }

    /// An index into a slice of length `n` (which must not be 0).
    pub(crate) fn index(&mut self, n: usize) -> usize {
        self.below(n as u64) as usize
    }

    /// True with probability `ppm` per million.
    pub(crate) fn chance(&mut self, ppm: u32) -> bool {
        self.below(1_000_000) < u64::from(ppm)
    }

    /// An element of a non-empty slice.
    pub(crate) fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.index(xs.len())]
    }

    /// An index skewed towards the front (the minimum of two draws), for
    /// choices where a few options are common and most are rare.
    pub(crate) fn skewed(&mut self, n: usize) -> usize {
        self.index(n).min(self.index(n))
    }

    /// An index chosen with the given integer weights (not all zero).
    pub(crate) fn weighted(&mut self, cumulative: &[u64]) -> usize {
        let total = cumulative.last().copied().unwrap_or(0);
        let r = self.below(total);
        cumulative.partition_point(|&c| c <= r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stream_is_fixed_by_the_seed() {
        let a: Vec<u64> = {
            let mut r = Rng::new(7);
            (0..4).map(|_| r.next_u64()).collect()
        };
        let b: Vec<u64> = {
            let mut r = Rng::new(7);
            (0..4).map(|_| r.next_u64()).collect()
        };
        let c: Vec<u64> = {
            let mut r = Rng::new(8);
            (0..4).map(|_| r.next_u64()).collect()
        };
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn weighted_choice_follows_the_weights_and_skips_zero_weights() {
        let mut r = Rng::new(1);
        let cumulative = [1, 1, 4]; // weights 1, 0, 3
        let mut counts = [0u32; 3];
        for _ in 0..40_000 {
            counts[r.weighted(&cumulative)] += 1;
        }
        assert_eq!(counts[1], 0);
        assert!((9_000..11_000).contains(&counts[0]), "{counts:?}");
        assert!((29_000..31_000).contains(&counts[2]), "{counts:?}");
    }

    #[test]
    fn below_stays_in_range() {
        let mut r = Rng::new(3);
        for n in [1u64, 2, 3, 10, 1_000_003] {
            for _ in 0..1000 {
                assert!(r.below(n) < n);
            }
        }
        assert_eq!(r.below(0), 0);
    }
}
