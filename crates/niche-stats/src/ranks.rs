//! Rank tests: Mann–Whitney U, Wilcoxon signed-rank, Kruskal–Wallis.
//!
//! Ranks are midranks for ties. Exact distributions are counted with doubled midranks (integers):
//! - Mann–Whitney without ties: the distribution of U from Löffler's recurrence on the generating
//!   function `∏ᵢ (1 − q^(n₂+i)) / (1 − qⁱ)`: `u·p(u) = Σₖ σ(k)·p(u − k)` with
//!   `σ(k) = Σ_{d | k, d ≤ n₁} d − Σ_{d | k, n₂ < d ≤ n₁+n₂} d` (A. Löffler, 1983).
//! - Mann–Whitney with ties (as Prism and StatXact): the permutation distribution of the rank sum
//!   of midranks, counted by dynamic programming over the blocks of tied values.
//! - Wilcoxon signed-rank: the distribution of W⁺ over all sign assignments, by dynamic programming
//!   (midranks allowed).
//!
//! The two-sided exact P is `min(1, 2·min(P(S ≤ s), P(S ≥ s)))`. The normal approximations use the
//! tie-corrected variance and, optionally, a continuity correction of ½.

use crate::distribution::{chi2_sf, normal_sf};
use crate::error::{Error, Result, check_group};
use crate::result::TestResult;

/// How a rank test computes P.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// The exact permutation distribution (with ties, the distribution of the midranks).
    Exact,
    /// The normal approximation with tie correction, and continuity correction if asked.
    Normal {
        /// Move the statistic ½ towards its mean.
        continuity: bool,
    },
    /// Exact when the counting is cheap (n₁·n₂ ≤ 10,000 for Mann–Whitney, n ≤ 1,000 for Wilcoxon),
    /// otherwise the normal approximation with continuity correction.
    Auto,
}

/// Midranks of `values` (1-based) and `Σ (t³ − t)` over the tie groups.
pub fn midranks(values: &[f64]) -> (Vec<f64>, f64) {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&i, &j| values[i].total_cmp(&values[j]));
    let mut ranks = vec![0.0; values.len()];
    let mut ties = 0.0;
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && values[order[end]] == values[order[start]] {
            end += 1;
        }
        let rank = (start + end + 1) as f64 / 2.0;
        for &i in &order[start..end] {
            ranks[i] = rank;
        }
        let t = (end - start) as f64;
        ties += t * t * t - t;
        start = end;
    }
    (ranks, ties)
}

/// Two-sided P of a rank statistic from its tie-corrected mean and variance, moving it ½ towards
/// the mean unless `method` is `Normal { continuity: false }`.
fn normal_approximation(
    test: &'static str,
    statistic: f64,
    mean: f64,
    var: f64,
    method: Method,
) -> Result<(f64, String)> {
    if var <= 0.0 {
        return Err(Error::ZeroVariance { test });
    }
    let continuity = !matches!(method, Method::Normal { continuity: false });
    let dev = (statistic - mean).abs() - if continuity { 0.5 } else { 0.0 };
    let z = dev.max(0.0) / var.sqrt();
    let what = if continuity { "with tie and continuity correction" } else { "with tie correction" };
    Ok(((2.0 * normal_sf(z)).min(1.0), format!("normal approximation {what}")))
}

pub(crate) fn two_sided(lower: f64, upper: f64) -> f64 {
    (2.0 * lower.min(upper)).min(1.0)
}

/// Mann–Whitney U test of two independent groups. The statistic reported is `U₁`, the U of the
/// first group (scipy's convention); Prism reports `min(U₁, U₂)`.
pub fn mann_whitney(a: &[f64], b: &[f64], method: Method) -> Result<TestResult> {
    check_group("Mann-Whitney test", "first", a, 1)?;
    check_group("Mann-Whitney test", "second", b, 1)?;
    let (n1, n2) = (a.len(), b.len());
    let all: Vec<f64> = a.iter().chain(b).copied().collect();
    let (ranks, ties) = midranks(&all);
    let r1: f64 = ranks[..n1].iter().sum();
    let u1 = r1 - (n1 * (n1 + 1)) as f64 / 2.0;
    let n = (n1 + n2) as f64;
    let has_ties = ties > 0.0;
    let exact = match method {
        Method::Exact => true,
        Method::Normal { .. } => false,
        Method::Auto => n1 * n2 <= 10_000,
    };
    let (p, description) = if exact && !has_ties {
        (mann_whitney_exact_no_ties(n1, n2, u1), "exact".to_string())
    } else if exact {
        let doubled: Vec<u64> = ranks.iter().map(|r| (2.0 * r).round() as u64).collect();
        (rank_sum_exact(&doubled, n1, (2.0 * r1).round() as u64), "exact with ties".to_string())
    } else {
        let mean = (n1 * n2) as f64 / 2.0;
        let var = (n1 * n2) as f64 / 12.0 * ((n + 1.0) - ties / (n * (n - 1.0)));
        normal_approximation("Mann-Whitney test", u1, mean, var, method)?
    };
    Ok(TestResult {
        test: "Mann-Whitney test".into(),
        statistic_name: "U",
        statistic: u1,
        df: None,
        df2: None,
        p,
        method: description,
        effect: None,
    })
}

/// Exact two-sided P of U without ties (Löffler's recurrence).
fn mann_whitney_exact_no_ties(n1: usize, n2: usize, u: f64) -> f64 {
    let max = n1 * n2;
    let u = u.round() as usize;
    // P(U ≤ u) and P(U ≥ u) = P(U ≤ max − u) by symmetry: count up to the smaller one.
    let limit = u.min(max - u);
    let sigma = loffler_sigma(n1, n2, limit);
    let p = loffler_counts(&sigma, limit);
    let total = binomial(n1 + n2, n1);
    let lower: f64 = p.iter().sum::<f64>() / total;
    two_sided(lower, lower)
}

/// The null distribution of U for sizes `n1` and `n2` without ties: the counts of U = 0, 1, …,
/// ⌊n₁n₂/2⌋ (the lower half; the rest follows by symmetry, `#(U = u) = #(U = n₁n₂ − u)`) and their
/// total `C(n₁ + n₂, n₁)`, from Löffler's recurrence. The two-sided exact P of an observed
/// `u ≤ n₁n₂/2` is `min(1, 2·Σ_{v ≤ u} #(U = v) / C(n₁ + n₂, n₁))`, the same sum in the same order as
/// [`mann_whitney`] with [`Method::Exact`].
pub(crate) fn u_null_counts(n1: usize, n2: usize) -> (Vec<f64>, f64) {
    let half = n1 * n2 / 2;
    let sigma = loffler_sigma(n1, n2, half);
    (loffler_counts(&sigma, half), binomial(n1 + n2, n1))
}

/// `σ(k) = Σ_{d | k, d ≤ n₁} d − Σ_{d | k, n₂ < d ≤ n₁+n₂} d` for k ≤ `limit`, by a sieve over the
/// divisors (each d adds to its multiples): O(limit · log limit).
fn loffler_sigma(n1: usize, n2: usize, limit: usize) -> Vec<f64> {
    let mut sigma = vec![0.0f64; limit + 1];
    for d in 1..=limit.min(n1 + n2) {
        let weight = (if d <= n1 { d as f64 } else { 0.0 }) - (if d > n2 && d <= n1 + n2 { d as f64 } else { 0.0 });
        if weight != 0.0 {
            for k in (d..=limit).step_by(d) {
                sigma[k] += weight;
            }
        }
    }
    sigma
}

/// The counts `p(0..=limit)` of U from Löffler's recurrence `u·p(u) = Σₖ σ(k)·p(u − k)`, p(0) = 1.
/// The counts are also kept in reverse order, so that each step is a dot product of two
/// contiguous slices, summed in four lanes.
fn loffler_counts(sigma: &[f64], limit: usize) -> Vec<f64> {
    let mut p = vec![0.0f64; limit + 1];
    // reversed[limit − j] = p(j)
    let mut reversed = vec![0.0f64; limit + 1];
    p[0] = 1.0;
    reversed[limit] = 1.0;
    for v in 1..=limit {
        // Σ_{k=1..v} σ(k)·p(v − k) = σ[1..=v] · reversed[limit − v + 1..=limit]
        let value = dot(&sigma[1..=v], &reversed[limit + 1 - v..=limit]) / v as f64;
        p[v] = value;
        reversed[limit - v] = value;
    }
    p
}

/// Dot product in four independent lanes (lets the compiler vectorise the reduction).
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut lanes = [0.0f64; 4];
    let (ca, cb) = (a.chunks_exact(4), b.chunks_exact(4));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for i in 0..4 {
            lanes[i] += x[i] * y[i];
        }
    }
    let tail: f64 = ra.iter().zip(rb).map(|(x, y)| x * y).sum();
    (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]) + tail
}

/// `C(n, k)` as f64 (exact below 2^53, then rounded).
fn binomial(n: usize, k: usize) -> f64 {
    let k = k.min(n - k);
    (0..k).fold(1.0, |acc, i| acc * (n - i) as f64 / (i + 1) as f64)
}

/// Exact two-sided P of a rank sum of `n1` of the `doubled` ranks (with ties), observed `observed`.
///
/// Each tail is counted separately (ties make the distribution asymmetric): `P(S ≤ s)` directly,
/// and `P(S ≥ s)` as the lower tail of the reflected ranks `2(n + 1) − r` at `2n₁(n + 1) − s`.
fn rank_sum_exact(doubled: &[u64], n1: usize, observed: u64) -> f64 {
    let n = doubled.len() as u64;
    let reflected: Vec<u64> = doubled.iter().map(|r| 2 * (n + 1) - r).collect();
    let total = binomial(doubled.len(), n1);
    let lower = lower_tail_count(doubled, n1, observed) / total;
    let upper = lower_tail_count(&reflected, n1, 2 * n1 as u64 * (n + 1) - observed) / total;
    two_sided(lower, upper)
}

/// The weighted number of ways to pick `n1` of the `doubled` ranks with sum ≤ `cut`, counted by
/// dynamic programming over the blocks of tied ranks and only over the sums each number of picked
/// values can reach below the cut.
fn lower_tail_count(doubled: &[u64], n1: usize, cut: u64) -> f64 {
    let cut = cut as usize;
    let mut sorted = doubled.to_vec();
    sorted.sort_unstable();
    let mut blocks: Vec<(usize, u64)> = Vec::new();
    for &r in &sorted {
        match blocks.last_mut() {
            Some((t, rank)) if *rank == r => *t += 1,
            _ => blocks.push((1, r)),
        }
    }
    // the smallest sum of k values: the k smallest ranks
    let mut min_sum = vec![0usize; n1 + 1];
    for k in 1..=n1 {
        min_sum[k] = min_sum[k - 1] + sorted[k - 1] as usize;
    }
    if min_sum[n1] > cut {
        return 0.0;
    }
    let width = cut + 1;
    // prefix[i]: sum of the i smallest ranks; the values left after a block are the larger ones,
    // so picking j more of them adds at least prefix[done + j] − prefix[done]
    let mut prefix = vec![0usize; sorted.len() + 1];
    for (i, &r) in sorted.iter().enumerate() {
        prefix[i + 1] = prefix[i] + r as usize;
    }
    // ways[k][s]: weighted number of ways to pick k values with doubled-rank sum s ≤ cut
    let mut ways = vec![0.0f64; (n1 + 1) * width];
    ways[0] = 1.0;
    let mut picked_max = 0usize;
    let mut done = 0usize;
    for &(t, r) in &blocks {
        done += t;
        let next_max = (picked_max + t).min(n1);
        for k in (1..=next_max).rev() {
            let still = n1 - k;
            if done + still > sorted.len() {
                continue;
            }
            let rest = prefix[done + still] - prefix[done];
            if rest > cut {
                continue;
            }
            // k values among the ranks so far sum to at most k·r, and the rest must still fit
            let hi = (cut - rest).min(k * r as usize);
            for c in 1..=t.min(k) {
                let from = k - c;
                if from > picked_max {
                    continue;
                }
                let shift = c * r as usize;
                let lo = min_sum[k].max(shift + min_sum[from]);
                if lo > hi {
                    continue;
                }
                let weight = binomial(t, c);
                let (src, dst) = ways.split_at_mut(k * width);
                let src = &src[from * width..(from + 1) * width];
                for (d, &v) in dst[lo..=hi].iter_mut().zip(&src[lo - shift..=hi - shift]) {
                    *d += weight * v;
                }
            }
        }
        picked_max = next_max;
    }
    ways[n1 * width..].iter().sum()
}

/// Wilcoxon signed-rank test of paired values (`a − b`) or of one group against 0 (`b` empty).
/// Zero differences are dropped (Wilcoxon's convention, scipy's default).
pub fn wilcoxon(a: &[f64], b: &[f64], method: Method) -> Result<TestResult> {
    check_group("Wilcoxon test", "first", a, 1)?;
    let d: Vec<f64> = if b.is_empty() {
        a.to_vec()
    } else {
        if a.len() != b.len() {
            return Err(Error::UnequalPairs { a: a.len(), b: b.len() });
        }
        check_group("Wilcoxon test", "second", b, 1)?;
        a.iter().zip(b).map(|(x, y)| x - y).collect()
    };
    let d: Vec<f64> = d.into_iter().filter(|v| *v != 0.0).collect();
    if d.is_empty() {
        return Err(Error::ZeroVariance { test: "Wilcoxon test" });
    }
    let abs: Vec<f64> = d.iter().map(|v| v.abs()).collect();
    let (ranks, ties) = midranks(&abs);
    let w_plus: f64 = ranks.iter().zip(&d).filter(|(_, v)| **v > 0.0).map(|(r, _)| r).sum();
    let n = d.len() as f64;
    let exact = match method {
        Method::Exact => true,
        Method::Normal { .. } => false,
        Method::Auto => d.len() <= 1000,
    };
    let (p, description) = if exact {
        let doubled: Vec<usize> = ranks.iter().map(|r| (2.0 * r).round() as usize).collect();
        let total_sum: usize = doubled.iter().sum();
        // counts[s]: sign assignments whose positive doubled ranks sum to s
        let mut counts = vec![0.0f64; total_sum + 1];
        counts[0] = 1.0;
        let mut reach = 0;
        for &r in &doubled {
            for s in (0..=reach).rev() {
                let c = counts[s];
                if c != 0.0 {
                    counts[s + r] += c;
                }
            }
            reach += r;
        }
        let total: f64 = counts.iter().sum();
        let w = (2.0 * w_plus).round() as usize;
        let lower: f64 = counts[..=w].iter().sum();
        let upper: f64 = counts[w..].iter().sum();
        let what = if ties > 0.0 { "exact with ties" } else { "exact" };
        (two_sided(lower / total, upper / total), what.to_string())
    } else {
        let mean = n * (n + 1.0) / 4.0;
        let var = n * (n + 1.0) * (2.0 * n + 1.0) / 24.0 - ties / 48.0;
        normal_approximation("Wilcoxon test", w_plus, mean, var, method)?
    };
    Ok(TestResult {
        test: "Wilcoxon matched-pairs signed rank test".into(),
        statistic_name: "W+",
        statistic: w_plus,
        df: None,
        df2: None,
        p,
        method: description,
        effect: None,
    })
}

/// Midranks of several groups pooled together, as Kruskal–Wallis and Dunn use them.
struct PooledRanks {
    /// Total number of values.
    n: f64,
    /// Mean rank of each group.
    mean_ranks: Vec<f64>,
    /// `Σ (t³ − t)` over the tie groups.
    ties: f64,
}

impl PooledRanks {
    /// Checks at least two non-empty, finite groups with some variation, and ranks them together.
    fn of(test: &'static str, groups: &[(&str, &[f64])]) -> Result<PooledRanks> {
        if groups.len() < 2 {
            return Err(Error::TooFew { test, group: "groups".into(), n: groups.len(), needed: 2 });
        }
        for (name, values) in groups {
            check_group(test, name, values, 1)?;
        }
        let all: Vec<f64> = groups.iter().flat_map(|(_, v)| v.iter().copied()).collect();
        let n = all.len() as f64;
        let (ranks, ties) = midranks(&all);
        if ties >= n * n * n - n {
            return Err(Error::ZeroVariance { test });
        }
        let mut offset = 0;
        let mut mean_ranks = Vec::with_capacity(groups.len());
        for (_, values) in groups {
            mean_ranks.push(ranks[offset..offset + values.len()].iter().sum::<f64>() / values.len() as f64);
            offset += values.len();
        }
        Ok(PooledRanks { n, mean_ranks, ties })
    }
}

/// Kruskal–Wallis H test with tie correction (chi-square approximation, k − 1 df).
pub fn kruskal_wallis(groups: &[(&str, &[f64])]) -> Result<TestResult> {
    let pooled = PooledRanks::of("Kruskal-Wallis test", groups)?;
    let n = pooled.n;
    let sum: f64 = pooled.mean_ranks.iter().zip(groups).map(|(r, (_, v))| r * r * v.len() as f64).sum();
    let correction = 1.0 - pooled.ties / (n * n * n - n);
    let h = (12.0 / (n * (n + 1.0)) * sum - 3.0 * (n + 1.0)) / correction;
    let df = (groups.len() - 1) as f64;
    Ok(TestResult {
        test: "Kruskal-Wallis test".into(),
        statistic_name: "H",
        statistic: h,
        df: Some(df),
        df2: None,
        p: chi2_sf(h, df),
        method: "chi-square approximation with tie correction".into(),
        effect: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_five_versus_five_fully_separated() {
        // exact two-sided P = 2/252 = 0.0079365…
        let r = mann_whitney(&[1.0, 2.0, 3.0, 4.0, 5.0], &[6.0, 7.0, 8.0, 9.0, 10.0], Method::Exact).unwrap();
        assert_eq!(r.statistic, 0.0);
        assert!((r.p - 2.0 / 252.0).abs() < 1e-15);
    }

    #[test]
    fn exact_with_and_without_ties_agree_when_there_are_no_ties() {
        let a = [1.1, 2.3, 3.7, 8.0, 9.5, 0.2];
        let b = [4.4, 5.1, 6.6, 7.2, 10.1];
        let no_ties = mann_whitney(&a, &b, Method::Exact).unwrap().p;
        let all: Vec<f64> = a.iter().chain(&b).copied().collect();
        let (ranks, _) = midranks(&all);
        let doubled: Vec<u64> = ranks.iter().map(|r| (2.0 * r) as u64).collect();
        let r1: u64 = doubled[..a.len()].iter().sum();
        assert!((rank_sum_exact(&doubled, a.len(), r1) - no_ties).abs() < 1e-14);
    }

    #[test]
    fn midranks_and_tie_sums() {
        let (r, t) = midranks(&[10.0, 20.0, 20.0, 30.0]);
        assert_eq!(r, vec![1.0, 2.5, 2.5, 4.0]);
        assert_eq!(t, 6.0);
    }
}

/// One comparison of Dunn's test.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DunnComparison {
    /// First group.
    pub a: String,
    /// Second group.
    pub b: String,
    /// Difference of mean ranks, `R̄_a − R̄_b`.
    pub mean_rank_difference: f64,
    /// The z statistic.
    pub z: f64,
    /// Unadjusted two-sided P.
    pub p: f64,
    /// P multiplied by the number of comparisons (capped at 1), as Prism reports Dunn's test.
    pub p_adjusted: f64,
}

/// Dunn's multiple comparisons after Kruskal–Wallis: every pair, or every group against
/// `control` when given. `z = (R̄ᵢ − R̄ⱼ) / √((N(N+1)/12 − Σ(t³−t)/(12(N−1))) (1/nᵢ + 1/nⱼ))`
/// (Dunn 1964, with the tie correction of Glantz), P two-sided, Bonferroni-adjusted.
pub fn dunn(groups: &[(&str, &[f64])], control: Option<usize>) -> Result<Vec<DunnComparison>> {
    let PooledRanks { n, mean_ranks, ties } = PooledRanks::of("Dunn's test", groups)?;
    let variance = n * (n + 1.0) / 12.0 - ties / (12.0 * (n - 1.0));
    let pairs: Vec<(usize, usize)> = match control {
        Some(c) => (0..groups.len()).filter(|&i| i != c).map(|i| (i, c)).collect(),
        None => (0..groups.len()).flat_map(|i| (i + 1..groups.len()).map(move |j| (i, j))).collect(),
    };
    let m = pairs.len() as f64;
    Ok(pairs
        .into_iter()
        .map(|(i, j)| {
            let diff = mean_ranks[i] - mean_ranks[j];
            let se = (variance * (1.0 / groups[i].1.len() as f64 + 1.0 / groups[j].1.len() as f64)).sqrt();
            let z = diff / se;
            let p = (2.0 * normal_sf(z.abs())).min(1.0);
            DunnComparison {
                a: groups[i].0.to_string(),
                b: groups[j].0.to_string(),
                mean_rank_difference: diff,
                z,
                p,
                p_adjusted: (p * m).min(1.0),
            }
        })
        .collect())
}

/// The Hodges–Lehmann estimate of the shift between two groups with its 95% confidence interval.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Shift {
    /// Median of all differences `aᵢ − bⱼ`.
    pub estimate: f64,
    /// 95% CI `(D₍q₎, D₍mn+1−q₎)` of the sorted differences (1-based), with q the smallest u such
    /// that `P(U ≤ u) ≥ 0.025` (at least 1), as R's `wilcox.test(conf.int = TRUE)` chooses it:
    /// from the exact distribution of U without ties and m·n ≤ 10,000, otherwise from the
    /// tie-corrected normal approximation `q ≈ mn/2 − 1.96·σ_U` (Moses 1965).
    pub ci95: (f64, f64),
    /// How c was found: `exact` or `normal approximation`.
    pub method: &'static str,
}

/// Hodges–Lehmann shift of `a` relative to `b`.
pub fn hodges_lehmann(a: &[f64], b: &[f64]) -> Result<Shift> {
    check_group("Hodges-Lehmann estimate", "first", a, 1)?;
    check_group("Hodges-Lehmann estimate", "second", b, 1)?;
    let (m, n) = (a.len(), b.len());
    let mut d: Vec<f64> = a.iter().flat_map(|x| b.iter().map(move |y| x - y)).collect();
    d.sort_by(f64::total_cmp);
    let mn = m * n;
    let estimate = if mn % 2 == 1 { d[mn / 2] } else { 0.5 * (d[mn / 2 - 1] + d[mn / 2]) };
    let all: Vec<f64> = a.iter().chain(b).copied().collect();
    let (_, ties) = midranks(&all);
    let (q, method) = if ties == 0.0 && mn <= 10_000 {
        (u_quantile(m, n, 0.025), "exact")
    } else {
        let nn = (m + n) as f64;
        let var = mn as f64 / 12.0 * ((nn + 1.0) - ties / (nn * (nn - 1.0)));
        let q = (mn as f64 / 2.0 - 1.959_963_984_540_054 * var.sqrt()).round();
        (q.max(0.0) as usize, "normal approximation")
    };
    let q = q.clamp(1, mn.div_ceil(2));
    Ok(Shift { estimate, ci95: (d[q - 1], d[mn - q]), method })
}

/// The smallest u with `P(U ≤ u) ≥ alpha` for U of sizes m and n without ties (R's `qwilcox`).
fn u_quantile(m: usize, n: usize, alpha: f64) -> usize {
    let max = m * n;
    let half = max / 2;
    let sigma = loffler_sigma(m, n, half);
    let total = binomial(m + n, m);
    let mut p = vec![0.0f64; half + 1];
    p[0] = 1.0;
    let mut cumulative = 1.0 / total;
    if cumulative >= alpha {
        return 0;
    }
    for v in 1..=half {
        p[v] = (1..=v).map(|k| sigma[k] * p[v - k]).sum::<f64>() / v as f64;
        cumulative += p[v] / total;
        if cumulative >= alpha {
            return v;
        }
    }
    half
}

#[cfg(test)]
mod shift_tests {
    use super::*;

    #[test]
    fn hodges_lehmann_five_by_five() {
        // m = n = 5: P(U ≤ 2) = 4/252 < 0.025 ≤ P(U ≤ 3) = 7/252, so q = qwilcox(0.025, 5, 5) = 3
        // and R's interval is (D₍₃₎, D₍₂₃₎) of the 25 sorted differences.
        assert_eq!(u_quantile(5, 5, 0.025), 3);
        let a = [10.0, 11.0, 12.5, 13.0, 15.0];
        let b = [1.0, 2.0, 4.0, 5.5, 8.0];
        let mut d: Vec<f64> = a.iter().flat_map(|x| b.iter().map(move |y| x - y)).collect();
        d.sort_by(f64::total_cmp);
        let s = hodges_lehmann(&a, &b).unwrap();
        assert_eq!(s.estimate, d[12]);
        assert_eq!(s.ci95, (d[2], d[22]));
        assert_eq!(s.method, "exact");
    }
}
