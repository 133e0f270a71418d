//! Reproducible random streams: one per file, from the run's seed and the file's name, so that a
//! file does not change when others are added or when threads finish in another order.

use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};
use rand_pcg::Pcg64;

/// A seeded generator with the draws the instruments need.
pub struct Stream(Pcg64);

impl Stream {
    /// The stream of `name` within the run `seed` (FNV-1a of the name, mixed with the seed).
    pub fn new(seed: u64, name: &str) -> Stream {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in name.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        Stream(Pcg64::seed_from_u64(seed ^ h.rotate_left(17)))
    }

    /// The generator itself, for draws the methods here do not cover.
    pub fn generator(&mut self) -> &mut Pcg64 {
        &mut self.0
    }

    /// Uniform on [0, 1).
    pub fn uniform(&mut self) -> f64 {
        rand::Rng::random::<f64>(&mut self.0)
    }

    /// Standard normal.
    pub fn normal(&mut self) -> f64 {
        StandardNormal.sample(&mut self.0)
    }

    /// `N(mean, sd)`.
    pub fn gauss(&mut self, mean: f64, sd: f64) -> f64 {
        mean + sd * self.normal()
    }

    /// Log-normal with the given median and SD of `log10`.
    pub fn log10_normal(&mut self, median: f64, sd_log10: f64) -> f64 {
        median * 10f64.powf(sd_log10 * self.normal())
    }
}
