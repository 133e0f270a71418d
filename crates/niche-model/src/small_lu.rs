//! A dense LU solver for the model's nine states, for diffsol's BDF method.
//!
//! diffsol's nalgebra LU runs nalgebra's generic elimination and triangular solves on dynamic
//! views; for a 9 × 9 system their bookkeeping costs more than the arithmetic (a quarter of a
//! well's time went to `solve_in_place`). This one copies the Newton matrix `I − hγJ` into a
//! fixed-size row-major array once per factorisation, factors it by Gaussian elimination with
//! partial pivoting (Golub & Van Loan, *Matrix Computations*, Algorithm 3.4.1), and solves by
//! forward and back substitution column by column in plain loops. The arithmetic is the same as nalgebra's, up to
//! the order of the sums.

use diffsol::{DenseMatrix, LaError, LaLinearOp, Matrix, NalgebraMat, NalgebraVec};
use diffsol_la::LinearSolver;

use crate::ode::N_STATES;

/// LU factors of an `N_STATES × N_STATES` matrix with its row swaps.
#[derive(Default)]
pub struct SmallLu {
    /// The matrix diffsol writes the linearisation into.
    matrix: Option<NalgebraMat<f64>>,
    /// Row-major L (unit diagonal, below) and U (on and above the diagonal).
    lu: [[f64; N_STATES]; N_STATES],
    /// Row exchanged with row i at step i.
    pivots: [usize; N_STATES],
    /// `1/U[i][i]`, so that back substitution multiplies.
    inverse_diagonal: [f64; N_STATES],
    /// False when a pivot was zero (the matrix is singular).
    regular: bool,
}

impl SmallLu {
    fn factor(&mut self) {
        let a = &mut self.lu;
        self.regular = true;
        for i in 0..N_STATES {
            let p = (i..N_STATES).max_by(|&r, &s| a[r][i].abs().total_cmp(&a[s][i].abs())).unwrap_or(i);
            self.pivots[i] = p;
            a.swap(i, p);
            let pivot = a[i][i];
            if pivot == 0.0 {
                self.regular = false;
                continue;
            }
            self.inverse_diagonal[i] = 1.0 / pivot;
            let (upper, lower) = a.split_at_mut(i + 1);
            let row = &upper[i];
            for r in lower.iter_mut() {
                let factor = r[i] * self.inverse_diagonal[i];
                r[i] = factor;
                for (x, &u) in r[i + 1..].iter_mut().zip(&row[i + 1..]) {
                    *x -= factor * u;
                }
            }
        }
    }

    fn check(&self) -> Result<(), LaError> {
        if self.matrix.is_none() {
            return Err(LaError::Other("LU not initialized".into()));
        }
        if !self.regular {
            return Err(LaError::Other("LU solve failed: singular matrix".into()));
        }
        Ok(())
    }
}

impl LinearSolver<NalgebraMat<f64>> for SmallLu {
    fn set_linearisation<
        C: LaLinearOp<V = NalgebraVec<f64>, T = f64, M = NalgebraMat<f64>, C = diffsol::NalgebraContext>,
    >(
        &mut self,
        op: &C,
    ) {
        let matrix = self.matrix.as_mut().expect("matrix not set");
        op.matrix_inplace(matrix);
        for (i, row) in self.lu.iter_mut().enumerate() {
            for (j, value) in row.iter_mut().enumerate() {
                *value = matrix.get_index(i, j);
            }
        }
        self.factor();
    }

    fn set_sparsity<
        C: LaLinearOp<V = NalgebraVec<f64>, T = f64, M = NalgebraMat<f64>, C = diffsol::NalgebraContext>,
    >(
        &mut self,
        op: &C,
    ) {
        assert!(op.nrows() == N_STATES && op.ncols() == N_STATES, "SmallLu solves {N_STATES} × {N_STATES} systems");
        self.matrix = Some(NalgebraMat::new_from_sparsity(op.nrows(), op.ncols(), op.sparsity(), *op.context()));
    }

    fn solve_in_place(&self, b: &mut NalgebraVec<f64>) -> Result<(), LaError> {
        self.check()?;
        let x = b.batch_as_mut_slice(0);
        let a = &self.lu;
        for (i, &p) in self.pivots.iter().enumerate() {
            x.swap(i, p);
        }
        // column by column, so that the updates of one step are independent of each other
        // (a row-by-row dot product would chain every addition through the floating-point adder)
        for j in 0..N_STATES {
            let xj = x[j];
            for i in j + 1..N_STATES {
                x[i] -= a[i][j] * xj;
            }
        }
        for j in (0..N_STATES).rev() {
            let xj = x[j] * self.inverse_diagonal[j];
            x[j] = xj;
            for i in 0..j {
                x[i] -= a[i][j] * xj;
            }
        }
        Ok(())
    }

    fn solve_transpose_in_place(&self, b: &mut NalgebraVec<f64>) -> Result<(), LaError> {
        // Aᵀ = (PᵀLU)ᵀ = UᵀLᵀP: solve Uᵀz = b, then Lᵀw = z, then undo the swaps
        self.check()?;
        let x = b.batch_as_mut_slice(0);
        let a = &self.lu;
        for i in 0..N_STATES {
            let s: f64 = (0..i).map(|k| a[k][i] * x[k]).sum();
            x[i] = (x[i] - s) / a[i][i];
        }
        for i in (0..N_STATES).rev() {
            let s: f64 = (i + 1..N_STATES).map(|k| a[k][i] * x[k]).sum();
            x[i] -= s;
        }
        for (i, &p) in self.pivots.iter().enumerate().rev() {
            x.swap(i, p);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use diffsol::Vector;

    #[test]
    fn solves_and_transposed_solves_a_pivoting_system() {
        let mut lu = SmallLu { matrix: None, ..SmallLu::default() };
        // a matrix that needs row exchanges: zero diagonal in the first rows
        let mut a = [[0.0; N_STATES]; N_STATES];
        for (i, row) in a.iter_mut().enumerate() {
            for (j, v) in row.iter_mut().enumerate() {
                *v = if i == j { (i % 3) as f64 } else { 1.0 / (1.0 + (i as f64 - 2.0 * j as f64).abs()) };
            }
        }
        lu.lu = a;
        lu.factor();
        assert!(lu.regular);
        let want: Vec<f64> = (0..N_STATES).map(|i| i as f64 - 3.5).collect();
        let b: Vec<f64> = (0..N_STATES).map(|i| (0..N_STATES).map(|j| a[i][j] * want[j]).sum()).collect();
        let bt: Vec<f64> = (0..N_STATES).map(|i| (0..N_STATES).map(|j| a[j][i] * want[j]).sum()).collect();
        lu.matrix = Some(NalgebraMat::zeros(N_STATES, N_STATES, diffsol::NalgebraContext::default()));
        let mut x = NalgebraVec::from_vec(b, diffsol::NalgebraContext::default());
        lu.solve_in_place(&mut x).unwrap();
        let mut xt = NalgebraVec::from_vec(bt, diffsol::NalgebraContext::default());
        lu.solve_transpose_in_place(&mut xt).unwrap();
        for (i, w) in want.iter().enumerate() {
            assert!((x.get_index(i) - w).abs() < 1e-12, "{i}");
            assert!((xt.get_index(i) - w).abs() < 1e-12, "{i}");
        }
    }
}
