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

/// The step table of [`channel_by_formula`].
struct Steps {
    /// `thresholds[c]`: the smallest `m` with channel ≥ c (c = 1 … 1023; `thresholds[0]` = 1).
    thresholds: Vec<f64>,
    /// Bit pattern of 1.0 shifted: the first bucket.
    first_bucket: u64,
    /// Per bucket from 1.0 up to the last threshold: the channel at the bucket's start.
    start_channel: Vec<u16>,
}

impl Steps {
    fn new() -> Steps {
        let mut thresholds = vec![1.0; CHANNELS];
        for (c, threshold) in thresholds.iter_mut().enumerate().skip(1) {
            // bisection over f64 bit patterns (ordered like the values for positive numbers)
            let (mut below, mut at) = (1f64.to_bits(), 1e5f64.to_bits());
            while at - below > 1 {
                let mid = below + (at - below) / 2;
                if channel_by_formula(f64::from_bits(mid)) >= c as f64 {
                    at = mid;
                } else {
                    below = mid;
                }
            }
            *threshold = f64::from_bits(at);
        }
        let first_bucket = 1f64.to_bits() >> BUCKET_SHIFT;
        let last_bucket = thresholds[CHANNELS - 1].to_bits() >> BUCKET_SHIFT;
        let start_channel = (first_bucket..=last_bucket)
            .map(|bucket| {
                let start = f64::from_bits(bucket << BUCKET_SHIFT);
                thresholds.partition_point(|&t| t <= start).saturating_sub(1) as u16
            })
            .collect();
        Steps { thresholds, first_bucket, start_channel }
    }

    fn channel(&self, m: f64) -> f64 {
        if m.is_nan() || m < 1.0 {
            return channel_by_formula(m);
        }
        let bits = m.to_bits();
        let Some(&start) = self.start_channel.get(((bits >> BUCKET_SHIFT) - self.first_bucket) as usize) else {
            return channel_by_formula(m);
        };
        let c = usize::from(start);
        let Some(&next) = self.thresholds.get(c + 1) else {
            return channel_by_formula(m);
        };
        let near = |t: f64| bits.abs_diff(t.to_bits()) <= GUARD_ULPS;
        if near(next) || near(self.thresholds[c]) {
            return channel_by_formula(m);
        }
        if m >= next { (c + 1) as f64 } else { c as f64 }
    }
}

/// The channel of light `m`: equal to [`channel_by_formula`] for every `f64`.
#[inline]
pub fn channel(m: f64) -> f64 {
    static STEPS: OnceLock<Steps> = OnceLock::new();
    STEPS.get_or_init(Steps::new).channel(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same(m: f64) {
        let (fast, want) = (channel(m), channel_by_formula(m));
        assert!(fast.to_bits() == want.to_bits(), "m = {m:e} ({:#x}): {fast} vs {want}", m.to_bits());
    }

    #[test]
    fn every_threshold_and_its_neighbours() {
        let steps = Steps::new();
        for &t in &steps.thresholds {
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
