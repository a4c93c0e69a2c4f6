//! A small seeded random number generator (splitmix64) for the randomised
//! end-to-end tests, so a failure is replayed from the seed it prints.

use std::time::{SystemTime, UNIX_EPOCH};

/// splitmix64: tiny, fast and good enough to pick sizes and delays.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The seed from `var` if set, else one from the clock; printed either
    /// way so that a failing run can be repeated exactly.
    pub fn seeded_from_env(var: &str) -> (Rng, u64) {
        let seed = match std::env::var(var) {
            Ok(s) => s.trim().parse().unwrap_or_else(|_| panic!("{var}={s} is not an unsigned integer")),
            Err(_) => SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(1),
        };
        eprintln!("{var}={seed} (set it to repeat this run)");
        (Rng::new(seed), seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `lo..hi` (`hi > lo`).
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next_u64() % (hi - lo)
    }

    /// A random version-4 UUID, as text.
    pub fn uuid(&mut self) -> String {
        let (a, b) = (self.next_u64(), self.next_u64());
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            0x8000 | (b >> 48) & 0x3fff,
            b & 0xffff_ffff_ffff
        )
    }
}
