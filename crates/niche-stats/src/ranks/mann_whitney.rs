//! The Mann–Whitney U test: exact without ties (the Gaussian binomial), exact with ties (the
//! shift algorithm over tied blocks), or the tie-corrected normal approximation.

use std::cell::RefCell;

use super::{Method, normal_approximation, two_sided};
use crate::error::{Result, check_group};
use crate::rank_sum::{Block, rank_sum_two_sided, u_lower_tail};
use crate::result::TestResult;

/// The first group's doubled midrank sum `2·R₁`, `Σ (t³ − t)` over the tie groups, and the blocks of
/// tied values in increasing order, of `a` and `b` pooled (the sort buffer is thread-local).
fn pooled_blocks(a: &[f64], b: &[f64], blocks: &mut Vec<Block>) -> (usize, f64) {
    thread_local! {
        static POOLED: RefCell<Vec<(f64, bool)>> = const { RefCell::new(Vec::new()) };
    }
    POOLED.with(|pooled| {
        let pooled = &mut *pooled.borrow_mut();
        pooled.clear();
        pooled.extend(a.iter().map(|&v| (v, true)).chain(b.iter().map(|&v| (v, false))));
        pooled.sort_unstable_by(|x, y| x.0.total_cmp(&y.0));
        blocks.clear();
        let (mut doubled_r1, mut ties) = (0usize, 0.0);
        let mut start = 0;
        while start < pooled.len() {
            let value = pooled[start].0;
            let mut end = start + 1;
            let mut first = usize::from(pooled[start].1);
            while end < pooled.len() && pooled[end].0 == value {
                first += usize::from(pooled[end].1);
                end += 1;
            }
            // doubled midrank of 1-based positions start + 1 ..= end
            let doubled = start + end + 1;
            doubled_r1 += first * doubled;
            let t = (end - start) as f64;
            ties += t * t * t - t;
            blocks.push(Block { size: end - start, doubled_rank: doubled });
            start = end;
        }
        (doubled_r1, ties)
    })
}

/// Mann–Whitney U test of two independent groups. The statistic reported is `U₁`, the U of the
/// first group (scipy's convention); Prism reports `min(U₁, U₂)`.
pub fn mann_whitney(a: &[f64], b: &[f64], method: Method) -> Result<TestResult> {
    thread_local! {
        static BLOCKS: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
    }
    check_group("Mann-Whitney test", "first", a, 1)?;
    check_group("Mann-Whitney test", "second", b, 1)?;
    let (n1, n2) = (a.len(), b.len());
    BLOCKS.with(|blocks| {
        let blocks = &mut *blocks.borrow_mut();
        let (doubled_r1, ties) = pooled_blocks(a, b, blocks);
        let r1 = doubled_r1 as f64 / 2.0;
        let u1 = r1 - (n1 * (n1 + 1)) as f64 / 2.0;
        let n = (n1 + n2) as f64;
        let has_ties = ties > 0.0;
        let exact = match method {
            Method::Exact => true,
            Method::Normal { .. } => false,
            Method::Auto => n1 * n2 <= 10_000,
        };
        let (p, description) = if exact && !has_ties {
            // P(U ≥ u) = P(U ≤ n₁n₂ − u) by symmetry: count up to the smaller one
            let u = u1.round() as usize;
            let lower = u_lower_tail(n1, n2, u.min(n1 * n2 - u));
            (two_sided(lower, lower), "exact".to_string())
        } else if exact {
            (rank_sum_two_sided(blocks, n1, doubled_r1), "exact with ties".to_string())
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
        let mut blocks = Vec::new();
        let (doubled_r1, _) = pooled_blocks(&a, &b, &mut blocks);
        assert!((rank_sum_two_sided(&blocks, a.len(), doubled_r1) - no_ties).abs() < 1e-14);
    }
}
