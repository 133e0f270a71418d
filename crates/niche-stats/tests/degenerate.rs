//! Degenerate input gives a clear error or a defined result, never a panic or a silent NaN.

use niche_stats::ranks::Method;
use niche_stats::{Error, anova, contingency, ranks, ttest, tukey};

#[test]
fn too_few_values() {
    assert!(matches!(ttest::unpaired(&[1.0], &[1.0, 2.0], false), Err(Error::TooFew { n: 1, .. })));
    assert!(matches!(ranks::mann_whitney(&[], &[1.0], Method::Auto), Err(Error::TooFew { .. })));
    assert!(matches!(anova::one_way(&[("a", &[1.0][..])]), Err(Error::TooFew { .. })));
    assert!(matches!(anova::one_way(&[("a", &[1.0][..]), ("b", &[2.0][..])]), Err(Error::TooFew { .. })));
    assert!(matches!(tukey::tukey_hsd(&[("a", &[][..]), ("b", &[2.0][..])]), Err(Error::TooFew { .. })));
}

#[test]
fn zero_variance() {
    assert!(matches!(ttest::unpaired(&[2.0, 2.0], &[2.0, 2.0], true), Err(Error::ZeroVariance { .. })));
    assert!(matches!(ttest::paired(&[1.0, 2.0], &[0.0, 1.0]), Err(Error::ZeroVariance { .. })));
    assert!(matches!(ranks::wilcoxon(&[1.0, 2.0], &[1.0, 2.0], Method::Auto), Err(Error::ZeroVariance { .. })));
    assert!(matches!(
        ranks::kruskal_wallis(&[("a", &[1.0, 1.0][..]), ("b", &[1.0][..])]),
        Err(Error::ZeroVariance { .. })
    ));
    assert!(matches!(
        anova::one_way(&[("a", &[1.0, 1.0][..]), ("b", &[2.0, 2.0][..])]),
        Err(Error::ZeroVariance { .. })
    ));
    // all values tied: the normal approximation has no variance, the exact test a defined P of 1
    assert!(matches!(
        ranks::mann_whitney(&[3.0, 3.0], &[3.0, 3.0], Method::Normal { continuity: true }),
        Err(Error::ZeroVariance { .. })
    ));
    assert_eq!(ranks::mann_whitney(&[3.0, 3.0], &[3.0, 3.0], Method::Exact).unwrap().p, 1.0);
}

#[test]
fn not_finite_values() {
    assert!(matches!(ttest::unpaired(&[1.0, f64::NAN], &[1.0, 2.0], false), Err(Error::NotFinite { .. })));
    assert!(matches!(ranks::mann_whitney(&[1.0, f64::INFINITY], &[1.0], Method::Auto), Err(Error::NotFinite { .. })));
    let summary = ttest::Summary { mean: f64::NAN, sd: 1.0, n: 5 };
    assert!(ttest::unpaired_summary(summary, summary, false).is_err());
}

#[test]
fn bad_tables() {
    assert!(contingency::chi_square(&[vec![1.0, 2.0]], false).is_err());
    assert!(contingency::chi_square(&[vec![0.0, 0.0], vec![1.0, 2.0]], false).is_err());
    assert!(contingency::chi_square(&[vec![-1.0, 2.0], vec![1.0, 2.0]], false).is_err());
    assert!(contingency::fisher_exact([[0, 0], [0, 0]]).is_err());
}
