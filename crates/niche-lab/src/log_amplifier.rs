//! The FACSCalibur's 4-decade log amplifier as a lookup: light `m` (linear units) becomes the
//! channel `round(clamp(256·log10(max(m, 1)), 0, 1023))`, the same number the formula gives, bit
//! for bit, without a `log10` per value.
//!
//! The channel is a step function of `m` with 1,023 steps. Each step's threshold `T[c]` (the
//! smallest `f64` the formula maps to `c` or above) is found once by bisection over the `f64`s,
//! using the formula itself. A value is located by its exponent and top 8 mantissa bits: such a
//! bucket spans a factor of at most `2^(1/256)` (0.27 %), narrower than a channel
//! (`10^(1/256)`, 0.9 %), so it holds at most one threshold and one comparison settles the
//! channel. Within 64 ulps of a threshold the formula itself decides, so that no rounding error
//! of `log10` near a step can make the table and the formula differ.

use std::sync::OnceLock;

/// Channels of the amplifier's output (`$PnR`).
const CHANNELS: usize = 1024;
/// Values within this many ulps of a threshold are converted by the formula.
const GUARD_ULPS: u64 = 64;
/// Bits below the bucket index: the 52 − 8 low mantissa bits.
const BUCKET_SHIFT: u32 = 44;

/// The formula the table reproduces: the channel of light `m`, before the writer's rounding.
#[inline]
pub fn channel_by_formula(m: f64) -> f64 {
    (256.0 * m.max(1.0).log10()).clamp(0.0, 1023.0).round()
}

/// One bucket of values (a fixed exponent and top 8 mantissa bits).
#[derive(Debug, Clone, Copy)]
struct Bucket {
    /// The channel at the bucket's first value.
    below: u16,
    /// The threshold inside the bucket (values ≥ it are one channel higher), or +∞.
    split: f64,
    /// Values in `guard.0 ..= guard.1` (a threshold's ±64 ulps) are left to the formula.
    guard: (f64, f64),
}

/// The step table of [`channel_by_formula`].
#[derive(Debug)]
pub struct Steps {
    /// Bit pattern of 1.0 shifted: the first bucket.
    first_bucket: u64,
    /// Buckets from 1.0 up to the last threshold.
    buckets: Vec<Bucket>,
}

impl Steps {
    fn new() -> Steps {
        // thresholds[c]: the smallest m with channel ≥ c (c = 1 … 1023), by bisection over the
        // f64 bit patterns (ordered like the values for positive numbers)
        let thresholds: Vec<f64> = (1..CHANNELS)
            .map(|c| {
                let (mut below, mut at) = (1f64.to_bits(), 1e5f64.to_bits());
                while at - below > 1 {
                    let mid = below + (at - below) / 2;
                    if channel_by_formula(f64::from_bits(mid)) >= c as f64 {
                        at = mid;
                    } else {
                        below = mid;
                    }
                }
                f64::from_bits(at)
            })
            .collect();
        let guard = |t: f64| (f64::from_bits(t.to_bits() - GUARD_ULPS), f64::from_bits(t.to_bits() + GUARD_ULPS));
        let first_bucket = 1f64.to_bits() >> BUCKET_SHIFT;
        let last_bucket = thresholds[CHANNELS - 2].to_bits() >> BUCKET_SHIFT;
        let buckets = (first_bucket..=last_bucket)
            .map(|bucket| {
                let (start, end) =
                    (f64::from_bits(bucket << BUCKET_SHIFT), f64::from_bits((bucket + 1) << BUCKET_SHIFT));
                let below = thresholds.partition_point(|&t| t <= start) as u16;
                // the one threshold whose guard band meets [start, end), if any
                let near = thresholds.iter().copied().find(|&t| guard(t).0 < end && guard(t).1 >= start);
                let split = thresholds.get(usize::from(below)).copied().filter(|&t| t < end).unwrap_or(f64::INFINITY);
                Bucket { below, split, guard: near.map_or((f64::INFINITY, f64::NEG_INFINITY), guard) }
            })
            .collect();
        Steps { first_bucket, buckets }
    }

    /// The channel of light `m`: equal to [`channel_by_formula`] for every `f64`.
    #[inline]
    pub fn channel(&self, m: f64) -> f64 {
        if m.is_nan() || m < 1.0 {
            return channel_by_formula(m);
        }
        let Some(b) = self.buckets.get(((m.to_bits() >> BUCKET_SHIFT) - self.first_bucket) as usize) else {
            return channel_by_formula(m);
        };
        // both comparisons, then one branch (nearly never taken): `&&` would branch on the first,
        // which in a bucket holding a threshold is as likely true as false
        if (m >= b.guard.0) & (m <= b.guard.1) {
            return channel_by_formula(m);
        }
        f64::from(b.below + u16::from(m >= b.split))
    }
}

/// The step table, built on first use (about a millisecond).
pub fn steps() -> &'static Steps {
    static STEPS: OnceLock<Steps> = OnceLock::new();
    STEPS.get_or_init(Steps::new)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same(m: f64) {
        let (fast, want) = (steps().channel(m), channel_by_formula(m));
        assert!(fast.to_bits() == want.to_bits(), "m = {m:e} ({:#x}): {fast} vs {want}", m.to_bits());
    }

    #[test]
    fn every_threshold_and_its_neighbours() {
        let steps = Steps::new();
        let splits: Vec<f64> = steps.buckets.iter().map(|b| b.split).filter(|t| t.is_finite()).collect();
        assert_eq!(splits.len(), CHANNELS - 1, "one threshold per channel step");
        for t in splits {
            let bits = t.to_bits();
            for d in 0..=2 * GUARD_ULPS + 2 {
                same(f64::from_bits(bits + d));
                same(f64::from_bits(bits - d));
            }
        }
    }

    #[test]
    fn a_dense_sweep_of_the_range_and_the_edges() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..400_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            // log-uniform from 0.01 to 1e6
            same(10f64.powf(-2.0 + 8.0 * (state >> 11) as f64 / (1u64 << 53) as f64));
        }
        for m in [0.0, -0.0, -5.0, 0.999, 1.0, 9.9e3, 1e4, 1e300, f64::INFINITY, f64::NAN, f64::MIN_POSITIVE] {
            same(m);
        }
    }
}
