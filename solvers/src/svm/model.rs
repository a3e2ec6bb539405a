//! A trained SVM in LIBSVM's layout: support vectors grouped by class,
//! `sv_coef` with one row per other class, one `rho` per class pair.

use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, Par};
use kern_kernels::{Kernel, Samples};
use serde::{Deserialize, Serialize};

use super::SvmKind;

/// Test rows per chunk of `K(test, SV)` at prediction.
const CHUNK: usize = 2048;

/// What the solver reported for one binary problem.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct PairInfo {
    /// The decision function is `Σ coef K(sv, x) − rho`.
    pub rho: f64,
    /// The dual objective at the optimum (LIBSVM's `obj`).
    pub objective: f64,
    /// SMO iterations.
    pub iterations: u64,
    /// Support vectors of this problem.
    pub n_sv: usize,
    /// Bounded support vectors (at their upper bound).
    pub n_bsv: usize,
    /// Whether `--max-iter` stopped the solver first.
    pub reached_max_iter: bool,
}

/// A trained SVM.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SvmModel<K, S> {
    /// The kernel.
    pub kernel: K,
    /// The problem and hyperparameters it was trained with.
    pub kind: SvmKind,
    /// The support vectors, grouped by class for classifiers.
    pub support_vectors: S,
    /// Index of each support vector in the training set.
    pub sv_indices: Vec<usize>,
    /// Number of classes (2 for one-class and regression, as LIBSVM).
    pub n_classes: usize,
    /// Support vectors per class (classifiers only).
    pub n_support: Vec<usize>,
    /// LIBSVM's `sv_coef`: `n_classes − 1` rows of one coefficient per support vector.
    pub sv_coef: Vec<Vec<f64>>,
    /// One entry per binary problem, in LIBSVM's pair order (0-1, 0-2, ..., 1-2, ...).
    pub pairs: Vec<PairInfo>,
    /// Platt's `A` per pair (LIBSVM's `probA`), when probabilities were fitted.
    pub prob_a: Vec<f64>,
    /// Platt's `B` per pair (LIBSVM's `probB`).
    pub prob_b: Vec<f64>,
    /// Regression: the scale σ of the Laplace noise `e^(−|z|/σ) / 2σ`.
    pub laplace_scale: Option<f64>,
}

impl<K, S> SvmModel<K, S> {
    /// The same model with its kernel replaced by `f(kernel)`: a model
    /// trained through a GPU-backed kernel stores the plain kernel.
    pub fn map_kernel<K2>(self, f: impl FnOnce(K) -> K2) -> SvmModel<K2, S> {
        SvmModel {
            kernel: f(self.kernel),
            kind: self.kind,
            support_vectors: self.support_vectors,
            sv_indices: self.sv_indices,
            n_classes: self.n_classes,
            n_support: self.n_support,
            sv_coef: self.sv_coef,
            pairs: self.pairs,
            prob_a: self.prob_a,
            prob_b: self.prob_b,
            laplace_scale: self.laplace_scale,
        }
    }

    /// A classifier's dual variables per binary problem, in LIBSVM's pair
    /// order: `α` of class a's training samples, then class b's, each class
    /// in training order (`classes` are the training labels the model was
    /// fitted on). What [`super::SvmParams::warm_start`] takes.
    pub fn pair_alphas(&self, classes: &[usize]) -> Vec<Vec<f64>> {
        let k = self.n_classes;
        let members: Vec<Vec<usize>> =
            (0..k).map(|c| (0..classes.len()).filter(|&i| classes[i] == c).collect()).collect();
        // Where each training sample sits among the support vectors.
        let mut position = vec![usize::MAX; classes.len()];
        for (s, &i) in self.sv_indices.iter().enumerate() {
            position[i] = s;
        }
        let mut out = Vec::with_capacity(k * (k - 1) / 2);
        for a in 0..k {
            for b in a + 1..k {
                // Class a's coefficients in pair (a, b) are in row b − 1; class b's in row a.
                let alpha = |row: usize, i: usize| match position[i] {
                    usize::MAX => 0.0,
                    s => self.sv_coef[row][s].abs(),
                };
                let mut pair: Vec<f64> = members[a].iter().map(|&i| alpha(b - 1, i)).collect();
                pair.extend(members[b].iter().map(|&i| alpha(a, i)));
                out.push(pair);
            }
        }
        out
    }
}

impl<K: Kernel<S>, S: Samples> SvmModel<K, S> {
    /// Assembles a one-vs-one classifier from each pair's coefficients
    /// (`pair_coef[p]`: class a's members, then class b's).
    pub(super) fn one_vs_one(
        kernel: K,
        x: &S,
        kind: SvmKind,
        members: &[Vec<usize>],
        pair_coef: &[Vec<f64>],
        pairs: Vec<PairInfo>,
        select: fn(&S, &[usize]) -> S,
    ) -> Self {
        let k = members.len();
        // A sample is a support vector if it has a non-zero coefficient in any pair.
        let mut is_sv: Vec<Vec<bool>> = members.iter().map(|m| vec![false; m.len()]).collect();
        let mut p = 0;
        for a in 0..k {
            for b in a + 1..k {
                let (na, coef) = (members[a].len(), &pair_coef[p]);
                for (t, &c) in coef.iter().enumerate() {
                    if c != 0.0 {
                        if t < na { is_sv[a][t] = true } else { is_sv[b][t - na] = true }
                    }
                }
                p += 1;
            }
        }
        let mut sv_indices = Vec::new();
        let mut position: Vec<Vec<usize>> = Vec::with_capacity(k);
        for a in 0..k {
            position.push(members[a].iter().map(|_| usize::MAX).collect());
            for (t, &i) in members[a].iter().enumerate() {
                if is_sv[a][t] {
                    position[a][t] = sv_indices.len();
                    sv_indices.push(i);
                }
            }
        }
        let n_support = is_sv.iter().map(|v| v.iter().filter(|&&s| s).count()).collect();
        let mut sv_coef = vec![vec![0.0; sv_indices.len()]; k - 1];
        let mut p = 0;
        for a in 0..k {
            for b in a + 1..k {
                let (na, coef) = (members[a].len(), &pair_coef[p]);
                for (t, &c) in coef.iter().enumerate() {
                    // Coefficients of class a's SVs in pair (a, b) go to row b − 1;
                    // those of class b's SVs to row a.
                    let (row, pos) = if t < na { (b - 1, position[a][t]) } else { (a, position[b][t - na]) };
                    if pos != usize::MAX {
                        sv_coef[row][pos] = c;
                    }
                }
                p += 1;
            }
        }
        let support_vectors = select(x, &sv_indices);
        Self {
            kernel,
            kind,
            support_vectors,
            sv_indices,
            n_classes: k,
            n_support,
            sv_coef,
            pairs,
            prob_a: Vec::new(),
            prob_b: Vec::new(),
            laplace_scale: None,
        }
    }

    /// A model with one decision function (one-class, regression).
    pub(super) fn single(
        kernel: K,
        x: &S,
        kind: SvmKind,
        coef: &[f64],
        info: PairInfo,
        select: fn(&S, &[usize]) -> S,
    ) -> Self {
        let sv_indices: Vec<usize> = (0..coef.len()).filter(|&i| coef[i] != 0.0).collect();
        let sv_coef = vec![sv_indices.iter().map(|&i| coef[i]).collect()];
        let support_vectors = select(x, &sv_indices);
        Self {
            kernel,
            kind,
            support_vectors,
            sv_indices,
            n_classes: 2,
            n_support: Vec::new(),
            sv_coef,
            pairs: vec![info],
            prob_a: Vec::new(),
            prob_b: Vec::new(),
            laplace_scale: None,
        }
    }

    /// Number of support vectors.
    pub fn n_sv(&self) -> usize {
        self.sv_indices.len()
    }

    /// The decision values, `n_test × n_pairs`: `Σ coef K(sv, x) − rho` per
    /// binary problem, in LIBSVM's pair order.
    pub fn decision_values(&self, test: &S, par: Par) -> Mat<f64> {
        let coef = self.coefficient_matrix();
        let n_test = test.len();
        let cols: Vec<usize> = (0..self.n_sv()).collect();
        let mut out = Mat::zeros(n_test, self.pairs.len());
        for start in (0..n_test).step_by(CHUNK) {
            let rows: Vec<usize> = (start..(start + CHUNK).min(n_test)).collect();
            let mut k = Mat::zeros(rows.len(), cols.len());
            self.kernel.block(test, &rows, &self.support_vectors, &cols, k.as_mut(), par);
            matmul(out.as_mut().subrows_mut(start, rows.len()), Accum::Replace, k.as_ref(), coef.as_ref(), 1.0, par);
            kern_kernels::simd::clear_upper_state();
        }
        for (p, info) in self.pairs.iter().enumerate() {
            for i in 0..n_test {
                out[(i, p)] -= info.rho;
            }
        }
        out
    }

    /// The `n_sv × n_pairs` matrix whose column `p` holds each support
    /// vector's coefficient in binary problem `p`.
    fn coefficient_matrix(&self) -> Mat<f64> {
        let mut coef = Mat::zeros(self.n_sv(), self.pairs.len());
        if !self.kind.is_classifier() {
            for (s, &c) in self.sv_coef[0].iter().enumerate() {
                coef[(s, 0)] = c;
            }
            return coef;
        }
        let start: Vec<usize> =
            self.n_support.iter().scan(0, |acc, &n| Some(std::mem::replace(acc, *acc + n))).collect();
        let k = self.n_classes;
        let mut p = 0;
        for a in 0..k {
            for b in a + 1..k {
                for s in start[a]..start[a] + self.n_support[a] {
                    coef[(s, p)] = self.sv_coef[b - 1][s];
                }
                for s in start[b]..start[b] + self.n_support[b] {
                    coef[(s, p)] = self.sv_coef[a][s];
                }
                p += 1;
            }
        }
        coef
    }

    /// Predicted class codes by one-vs-one voting (ties to the lower class,
    /// as LIBSVM).
    pub fn predict_classes(&self, test: &S, par: Par) -> Vec<usize> {
        let dec = self.decision_values(test, par);
        let k = self.n_classes;
        (0..test.len())
            .map(|i| {
                let mut votes = vec![0usize; k];
                let mut p = 0;
                for a in 0..k {
                    for b in a + 1..k {
                        votes[if dec[(i, p)] > 0.0 { a } else { b }] += 1;
                        p += 1;
                    }
                }
                // The first class with the most votes.
                (0..k).fold(0, |best, c| if votes[c] > votes[best] { c } else { best })
            })
            .collect()
    }

    /// Whether the classifier carries probability outputs.
    pub fn has_probabilities(&self) -> bool {
        self.kind.is_classifier() && self.prob_a.len() == self.pairs.len() && self.prob_b.len() == self.pairs.len()
    }

    /// Class probabilities, `n_test × n_classes`, as LIBSVM's
    /// `svm_predict_probability`: pairwise sigmoids clipped to [1e-7, 1 − 1e-7],
    /// coupled for more than two classes. `None` without probability outputs.
    pub fn predict_proba(&self, test: &S, par: Par) -> Option<Mat<f64>> {
        if !self.has_probabilities() {
            return None;
        }
        const MIN_PROB: f64 = 1e-7;
        let dec = self.decision_values(test, par);
        let k = self.n_classes;
        let mut out = Mat::zeros(test.len(), k);
        for i in 0..test.len() {
            let mut r = vec![vec![0.0; k]; k];
            let mut p = 0;
            for a in 0..k {
                for b in a + 1..k {
                    let v = super::probability::sigmoid_predict(dec[(i, p)], self.prob_a[p], self.prob_b[p]);
                    r[a][b] = v.clamp(MIN_PROB, 1.0 - MIN_PROB);
                    r[b][a] = 1.0 - r[a][b];
                    p += 1;
                }
            }
            let probs = if k == 2 { vec![r[0][1], r[1][0]] } else { super::probability::multiclass_probability(&r) };
            for (c, v) in probs.into_iter().enumerate() {
                out[(i, c)] = v;
            }
        }
        Some(out)
    }

    /// Regression values (SVR) or ±1 (one-class: +1 inside the support).
    pub fn predict_values(&self, test: &S, par: Par) -> Vec<f64> {
        let dec = self.decision_values(test, par);
        (0..test.len())
            .map(|i| match self.kind {
                SvmKind::OneClass { .. } => {
                    if dec[(i, 0)] > 0.0 {
                        1.0
                    } else {
                        -1.0
                    }
                }
                _ => dec[(i, 0)],
            })
            .collect()
    }
}
