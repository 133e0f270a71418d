//! The little dense linear algebra the workspace needs: inversion, products and transposes of
//! small row-major matrices (compensation matrices, covariance matrices, normal equations).

/// Inverts the row-major `n × n` matrix `m` by Gauss–Jordan elimination with partial pivoting;
/// `None` when it is singular (a pivot below `1e-12` times the largest entry).
pub fn invert(n: usize, m: &[f64]) -> Option<Vec<f64>> {
    if m.len() != n * n || m.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let scale = m.iter().fold(0.0f64, |s, v| s.max(v.abs()));
    if scale == 0.0 {
        return None;
    }
    let mut a = m.to_vec();
    let mut inv = vec![0.0; n * n];
    (0..n).for_each(|i| inv[i * n + i] = 1.0);
    for col in 0..n {
        let pivot = (col..n).max_by(|&r, &s| a[r * n + col].abs().total_cmp(&a[s * n + col].abs()))?;
        if a[pivot * n + col].abs() < 1e-12 * scale {
            return None;
        }
        if pivot != col {
            for k in 0..n {
                a.swap(pivot * n + k, col * n + k);
                inv.swap(pivot * n + k, col * n + k);
            }
        }
        let p = a[col * n + col];
        for k in 0..n {
            a[col * n + k] /= p;
            inv[col * n + k] /= p;
        }
        for r in 0..n {
            if r != col {
                let factor = a[r * n + col];
                if factor != 0.0 {
                    for k in 0..n {
                        a[r * n + k] -= factor * a[col * n + k];
                        inv[r * n + k] -= factor * inv[col * n + k];
                    }
                }
            }
        }
    }
    Some(inv)
}

/// Row-major product of `r × k` and `k × c` matrices.
pub fn multiply(r: usize, k: usize, c: usize, a: &[f64], b: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0; r * c];
    for i in 0..r {
        for j in 0..c {
            out[i * c + j] = (0..k).map(|t| a[i * k + t] * b[t * c + j]).sum();
        }
    }
    out
}

/// Transpose of a row-major `r × c` matrix.
pub fn transpose(r: usize, c: usize, a: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0; r * c];
    for i in 0..r {
        for j in 0..c {
            out[j * r + i] = a[i * c + j];
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inverse_times_matrix_is_identity() {
        let m = [4.0, 7.0, 2.0, 6.0, 1.0, 0.5, 3.0, 2.0, 9.0];
        let inv = invert(3, &m).unwrap();
        let id = multiply(3, 3, 3, &m, &inv);
        for i in 0..3 {
            for j in 0..3 {
                assert!((id[i * 3 + j] - if i == j { 1.0 } else { 0.0 }).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn singular_and_malformed_matrices_have_no_inverse() {
        assert!(invert(2, &[1.0, 2.0, 2.0, 4.0]).is_none());
        assert!(invert(2, &[1.0, 2.0, 3.0]).is_none());
        assert!(invert(1, &[f64::NAN]).is_none());
        assert!(invert(2, &[0.0; 4]).is_none());
    }
}
