//! A dense LU solver for the model's nine states, for diffsol's BDF method.
//!
//! diffsol's nalgebra LU runs nalgebra's generic elimination and triangular solves on dynamic
//! views; for a 9 × 9 system their bookkeeping costs more than the arithmetic (a quarter of a
//! well's time went to `solve_in_place`). This one copies the Newton matrix `I − hγJ` into a
//! fixed-size row-major array once per factorisation, factors it by Gaussian elimination with
//! partial pivoting (Golub & Van Loan, *Matrix Computations*, Algorithm 3.4.1), and solves by
//! forward and back substitution column by column in plain loops.
//!
//! **Block triangular structure.** The model's Jacobian is block lower triangular in its state
//! order: the receptor and ligand states (0–4) do not depend on Bcl-2, Bax or the apoptotic
//! fractions, Bcl-2 (5) and Bax (6) depend only on themselves and the receptors, and the
//! apoptotic fractions (7, 8) feed back on nothing. For `A = [A₁₁ 0; A₂₁ A₂₂]` the LU with
//! partial pivoting restricted to the rows of each diagonal block is `P A = L U` with `U`
//! block diagonal (`U₁₂ = 0`): elimination of a column of `A₁₁` changes no entry right of the
//! block, since the pivot row is zero there, and `det A = det A₁₁ · det A₂₂`, so a zero pivot in a
//! block means `A` is singular. The factorisation finds the blocks of each matrix from its zero
//! pattern (the boundaries `k` with `A[i][j] = 0` for all `i < k ≤ j`; a full matrix is one
//! block and gets the ordinary algorithm), eliminates only inside the blocks' columns, and back
//! substitution runs only over each block's rows. The arithmetic on the non-zero entries is that
//! of the full algorithm, up to the order of the sums, and the pivots are those of the diagonal
//! blocks' own LU (Golub & Van Loan §3.4: partial pivoting of a block triangular matrix by
//! blocks is as stable as that of its diagonal blocks).

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
    /// The exchanges composed: row `i` of `P b` is `b[permutation[i]]`.
    permutation: [usize; N_STATES],
    /// `1/U[i][i]`, so that back substitution multiplies.
    inverse_diagonal: [f64; N_STATES],
    /// False when a pivot was zero (the matrix is singular).
    regular: bool,
    /// First row of the diagonal block that holds row/column `i`.
    block_start: [usize; N_STATES],
    /// One past the last row of the diagonal block that holds row/column `i`.
    block_end: [usize; N_STATES],
}

impl SmallLu {
    /// Finds the diagonal blocks of the block lower triangular form of `lu` (see the module docs):
    /// `k` closes a block when no row above it has a non-zero entry at or right of column `k`.
    fn find_blocks(&mut self) {
        let a = &self.lu;
        let (mut start, mut reach) = (0, 0);
        for (i, row) in a.iter().enumerate() {
            let last = row.iter().rposition(|&v| v != 0.0).unwrap_or(0);
            reach = reach.max(last).max(i);
            if reach == i {
                for k in start..=i {
                    self.block_start[k] = start;
                    self.block_end[k] = i + 1;
                }
                start = i + 1;
            }
        }
    }

    fn factor(&mut self) {
        self.find_blocks();
        let a = &mut self.lu;
        self.regular = true;
        self.permutation = std::array::from_fn(|i| i);
        for i in 0..N_STATES {
            let end = self.block_end[i];
            // pivot within the block: rows below it may hold larger entries of this column, but
            // they belong to L₂₁, and exchanging them in would fill in U₁₂
            let p = (i..end).max_by(|&r, &s| a[r][i].abs().total_cmp(&a[s][i].abs())).unwrap_or(i);
            self.pivots[i] = p;
            a.swap(i, p);
            self.permutation.swap(i, p);
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
                if factor != 0.0 {
                    // the pivot row is zero right of its block
                    for (x, &u) in r[i + 1..end].iter_mut().zip(&row[i + 1..end]) {
                        *x -= factor * u;
                    }
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
        let b = b.batch_as_mut_slice(0);
        let a = &self.lu;
        // gathered through the permutation into a local array, which the fixed-length loops below
        // keep in registers (swapping in place chained loads on stores)
        let mut x: [f64; N_STATES] = std::array::from_fn(|i| b[self.permutation[i]]);
        // column by column, so that the updates of one step are independent of each other
        // (a row-by-row dot product would chain every addition through the floating-point adder)
        for j in 0..N_STATES {
            let xj = x[j];
            for i in j + 1..N_STATES {
                x[i] -= a[i][j] * xj;
            }
        }
        // U's entries right of each diagonal block are exact zeros, so the full loops give the
        // block-by-block result, and their fixed bounds unroll
        for j in (0..N_STATES).rev() {
            let xj = x[j] * self.inverse_diagonal[j];
            x[j] = xj;
            for i in 0..j {
                x[i] -= a[i][j] * xj;
            }
        }
        b.copy_from_slice(&x);
        Ok(())
    }

    fn solve_transpose_in_place(&self, b: &mut NalgebraVec<f64>) -> Result<(), LaError> {
        // Aᵀ = (PᵀLU)ᵀ = UᵀLᵀP: solve Uᵀz = b, then Lᵀw = z, then undo the swaps
        self.check()?;
        let x = b.batch_as_mut_slice(0);
        let a = &self.lu;
        for i in 0..N_STATES {
            let s: f64 = (self.block_start[i]..i).map(|k| a[k][i] * x[k]).sum();
            x[i] = (x[i] - s) * self.inverse_diagonal[i];
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

    /// Solves `A x = b` and `Aᵀ x = b` for a known `x` and checks both.
    fn check_solves(a: [[f64; N_STATES]; N_STATES]) -> SmallLu {
        let mut lu = SmallLu { matrix: None, ..SmallLu::default() };
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
            assert!((x.get_index(i) - w).abs() < 1e-10, "{i}: {}", x.get_index(i));
            assert!((xt.get_index(i) - w).abs() < 1e-10, "{i}: {}", xt.get_index(i));
        }
        lu
    }

    /// Zero diagonal entries force row exchanges; `zero_above` zeroes `A[i][j]` for `i < k ≤ j`
    /// at the given block boundaries `k`.
    fn pivoting_matrix(boundaries: &[usize]) -> [[f64; N_STATES]; N_STATES] {
        let mut a = [[0.0; N_STATES]; N_STATES];
        for (i, row) in a.iter_mut().enumerate() {
            for (j, v) in row.iter_mut().enumerate() {
                let cut = boundaries.iter().any(|&k| i < k && k <= j);
                *v = if cut {
                    0.0
                } else if i == j {
                    (i % 3) as f64
                } else {
                    1.0 / (1.0 + (i as f64 - 2.0 * j as f64).abs())
                };
            }
        }
        a
    }

    #[test]
    fn solves_and_transposed_solves_a_pivoting_system() {
        let lu = check_solves(pivoting_matrix(&[]));
        assert_eq!(lu.block_end, [N_STATES; N_STATES]);
    }

    #[test]
    fn block_triangular_systems_pivot_within_their_blocks() {
        let lu = check_solves(pivoting_matrix(&[4, 7]));
        assert_eq!(lu.block_start, [0, 0, 0, 0, 4, 4, 4, 7, 7]);
        assert_eq!(lu.block_end, [4, 4, 4, 4, 7, 7, 7, 9, 9]);
        // the pivots stay inside the blocks although larger entries sit below them
        for (i, &p) in lu.pivots.iter().enumerate() {
            assert!(p >= lu.block_start[i] && p < lu.block_end[i], "{i} → {p}");
        }
    }

    #[test]
    fn the_model_newton_matrix_splits_into_its_four_blocks() {
        use crate::condition::Condition;
        use crate::ode::Rates;
        let p = crate::params::Parameters::default();
        let rates = Rates::new(&p, &Condition { msc: true, vcr_um: 1.0, amd_ug_per_ml: 5.0 });
        let y = [0.05, 20_000.0, 900.0, 8_000.0, 20_000.0, 1.1, 0.9, 0.2, 0.1];
        let mut a = [[0.0; N_STATES]; N_STATES];
        for k in 0..N_STATES {
            let mut dir = [0.0; N_STATES];
            dir[k] = 1.0;
            let mut column = [0.0; N_STATES];
            rates.jacobian_times(&y, &dir, &mut column);
            for i in 0..N_STATES {
                a[i][k] = f64::from(u8::from(i == k)) - 0.01 * column[i];
            }
        }
        let lu = check_solves(a);
        // receptors and ligand | Bcl-2 | Bax | early and late apoptotic
        assert_eq!(lu.block_start, [0, 0, 0, 0, 0, 5, 6, 7, 7]);
        assert_eq!(lu.block_end, [5, 5, 5, 5, 5, 6, 7, 9, 9]);
    }
}
