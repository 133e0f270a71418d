//! How the replicate effects of a virtual experiment are drawn.
//!
//! - [`Sampling::Random`]: independent standard normal scores, as nature draws them.
//! - [`Sampling::Stratified`]: Latin hypercube sampling (McKay, Beckman & Conover 1979,
//!   Technometrics 21:239). For `n` replicates, every dimension takes one score from each of the
//!   `n` equal-probability strata of N(0, 1): `z_i = Φ⁻¹((π(i) + u_i)/n)`, with `π` a random
//!   permutation per dimension and `u_i ~ U(0, 1)`. Each score is still N(0, 1), but a five- or
//!   six-replicate experiment then spans its population instead of landing on one lucky or unlucky
//!   draw, so what it shows is what the model's population of experiments typically shows.

use std::fmt;
use std::str::FromStr;

use niche_stats::distribution::normal_quantile;
use rand::Rng;
use rand::seq::SliceRandom;
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

/// How replicate effects are drawn (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sampling {
    /// Latin hypercube: one score per equal-probability stratum (the default).
    #[default]
    Stratified,
    /// Independent draws.
    Random,
}

impl fmt::Display for Sampling {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Sampling::Stratified => "stratified",
            Sampling::Random => "random",
        })
    }
}

impl FromStr for Sampling {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "stratified" => Ok(Sampling::Stratified),
            "random" => Ok(Sampling::Random),
            other => Err(format!("sampling {other:?}: use \"stratified\" or \"random\"")),
        }
    }
}

/// `n` rows of `dims` standard normal scores (`scores[replicate][dimension]`).
pub fn normal_scores<R: Rng + ?Sized>(n: usize, dims: usize, sampling: Sampling, rng: &mut R) -> Vec<Vec<f64>> {
    let mut scores = vec![vec![0.0; dims]; n];
    for d in 0..dims {
        match sampling {
            Sampling::Random => {
                for row in scores.iter_mut() {
                    row[d] = StandardNormal.sample(rng);
                }
            }
            Sampling::Stratified => {
                let mut strata: Vec<usize> = (0..n).collect();
                strata.shuffle(rng);
                for (row, stratum) in scores.iter_mut().zip(strata) {
                    // u in (0, 1): keeps Φ⁻¹ finite at the outer strata's edges.
                    let u = rng.random::<f64>().clamp(1e-12, 1.0 - 1e-12);
                    row[d] = normal_quantile((stratum as f64 + u) / n as f64);
                }
            }
        }
    }
    scores
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_pcg::Pcg64;

    #[test]
    fn stratified_scores_take_one_value_per_stratum() {
        let mut rng = Pcg64::seed_from_u64(7);
        let n = 6;
        let scores = normal_scores(n, 4, Sampling::Stratified, &mut rng);
        for d in 0..4 {
            let mut strata: Vec<usize> = scores
                .iter()
                .map(|row| (niche_stats::distribution::normal_cdf(row[d]) * n as f64).floor() as usize)
                .collect();
            strata.sort_unstable();
            assert_eq!(strata, (0..n).collect::<Vec<_>>(), "dimension {d}: {scores:?}");
        }
    }

    #[test]
    fn both_samplings_are_standard_normal() {
        for sampling in [Sampling::Stratified, Sampling::Random] {
            let mut rng = Pcg64::seed_from_u64(11);
            let (mut sum, mut sum2, mut count) = (0.0, 0.0, 0.0);
            for _ in 0..4000 {
                for row in normal_scores(5, 2, sampling, &mut rng) {
                    for z in row {
                        sum += z;
                        sum2 += z * z;
                        count += 1.0;
                    }
                }
            }
            let mean = sum / count;
            let var = sum2 / count - mean * mean;
            assert!(mean.abs() < 0.03 && (var - 1.0).abs() < 0.05, "{sampling}: mean {mean}, variance {var}");
        }
    }

    #[test]
    fn stratified_means_vary_less_than_random_ones() {
        let spread = |sampling| {
            let mut rng = Pcg64::seed_from_u64(3);
            let means: Vec<f64> = (0..2000)
                .map(|_| normal_scores(6, 1, sampling, &mut rng).iter().map(|r| r[0]).sum::<f64>() / 6.0)
                .collect();
            (means.iter().map(|m| m * m).sum::<f64>() / means.len() as f64).sqrt()
        };
        let (stratified, random) = (spread(Sampling::Stratified), spread(Sampling::Random));
        // Random: 1/√6 ≈ 0.41; stratified: the within-stratum spread only.
        assert!((random - 6f64.sqrt().recip()).abs() < 0.03, "random {random}");
        assert!(stratified < 0.5 * random, "stratified {stratified} vs random {random}");
    }

    #[test]
    fn parses_and_prints() {
        for s in [Sampling::Stratified, Sampling::Random] {
            assert_eq!(s.to_string().parse::<Sampling>(), Ok(s));
        }
        assert!("latin".parse::<Sampling>().unwrap_err().contains("stratified"));
    }
}
