//! One output tile of a vector kernel: the pairwise quantities a tile needs
//! (inner products, distances), written straight into the tile, and the
//! element-wise pass that turns them into kernel values.

use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, MatRef, Par};

use super::exp::exp;
use super::pass::{dot_to_sq_distance, dots_into, map_in_place};
use crate::data::{Row, SparseMatrix};
use crate::vector::VectorKernel;

/// Sparse rows are scattered into a dense buffer of this many features at
/// most; wider data uses merged sparse products instead.
const SCATTER_LIMIT: usize = 1 << 18;

/// The pairwise quantities of one tile. Each method overwrites `out`
/// (`rows × cols` of the tile).
pub(crate) trait TileSource {
    /// `(rows, cols)` of the tile.
    fn shape(&self) -> (usize, usize);
    /// `⟨a_r, b_c⟩`.
    fn dot_into(&mut self, out: &mut Mat<f64>);
    /// `‖a_r − b_c‖²`, exactly 0 for a sample paired with itself.
    fn sq_distance_into(&mut self, out: &mut Mat<f64>);
    /// `‖a_r − b_c‖₁`.
    fn l1_distance_into(&mut self, out: &mut Mat<f64>);
    /// `Σ_j w_j (a_rj − b_cj)²`.
    fn weighted_sq_distance_into(&mut self, weights: &[f64], out: &mut Mat<f64>);
    /// Row `r` of the tile's left samples.
    fn row_a(&self, r: usize) -> Row<'_>;
    /// Column `c` of the tile's right samples.
    fn row_b(&self, c: usize) -> Row<'_>;
}

impl VectorKernel {
    /// Writes this kernel's values for the tile described by `src` into `out`.
    pub(crate) fn fill_tile<S: TileSource>(&self, src: &mut S, out: &mut Mat<f64>) {
        use VectorKernel::*;
        const SQRT3: f64 = 1.732_050_807_568_877_2;
        const SQRT5: f64 = 2.236_067_977_499_79;
        match self {
            Linear => src.dot_into(out),
            Polynomial { .. } | Sigmoid { .. } | DotProduct { .. } => {
                src.dot_into(out);
                map_in_place(out, |g| self.of_dot(g));
            }
            RationalQuadratic { .. } => {
                src.sq_distance_into(out);
                map_in_place(out, |d2| self.of_sq_distance(d2));
            }
            // Per feature, so pair by pair.
            Periodic { .. } => {
                for c in 0..out.ncols() {
                    let y = src.row_b(c);
                    for r in 0..out.nrows() {
                        out[(r, c)] = self.eval_rows(&src.row_a(r), &y);
                    }
                }
            }
            Constant { value } => out.fill(*value),
            Rbf { gamma } => {
                let gamma = *gamma;
                src.sq_distance_into(out);
                map_in_place(out, |d2| exp(-gamma * d2));
            }
            Matern12 { lengthscale } => {
                let inv = 1.0 / lengthscale;
                src.sq_distance_into(out);
                map_in_place(out, |d2| exp(-d2.sqrt() * inv));
            }
            Matern32 { lengthscale } => {
                let scale = SQRT3 / lengthscale;
                src.sq_distance_into(out);
                map_in_place(out, |d2| {
                    let s = scale * d2.sqrt();
                    (1.0 + s) * exp(-s)
                });
            }
            Matern52 { lengthscale } => {
                let scale = SQRT5 / lengthscale;
                src.sq_distance_into(out);
                map_in_place(out, |d2| {
                    let s = scale * d2.sqrt();
                    (1.0 + s + s * s / 3.0) * exp(-s)
                });
            }
            Laplacian { gamma } => {
                let gamma = *gamma;
                src.l1_distance_into(out);
                map_in_place(out, |l1| exp(-gamma * l1));
            }
            ArdRbf { lengthscales } | ArdMatern32 { lengthscales } | ArdMatern52 { lengthscales } => {
                src.weighted_sq_distance_into(&super::ard_weights(lengthscales), out);
                // One closure per kind, so that the loop vectorises.
                match self {
                    ArdRbf { .. } => map_in_place(out, |r2| exp(-0.5 * r2)),
                    ArdMatern32 { .. } => map_in_place(out, |r2| {
                        let s = SQRT3 * r2.sqrt();
                        (1.0 + s) * exp(-s)
                    }),
                    _ => map_in_place(out, |r2| {
                        let s = SQRT5 * r2.sqrt();
                        (1.0 + s + s * s / 3.0) * exp(-s)
                    }),
                }
            }
            Sum(terms) | Product(terms) => {
                terms[0].fill_tile(src, out);
                let mut scratch = Mat::zeros(out.nrows(), out.ncols());
                for term in &terms[1..] {
                    term.fill_tile(src, &mut scratch);
                    for c in 0..out.ncols() {
                        let o = out.col_as_slice_mut(c);
                        let s = scratch.col_as_slice(c);
                        if matches!(self, Sum(_)) {
                            o.iter_mut().zip(s).for_each(|(o, s)| *o += s);
                        } else {
                            o.iter_mut().zip(s).for_each(|(o, s)| *o *= s);
                        }
                    }
                }
            }
            Scaled { scale, kernel } => {
                let scale = *scale;
                kernel.fill_tile(src, out);
                map_in_place(out, |v| scale * v);
            }
            Precomputed => unreachable!("precomputed blocks are read, not computed in tiles"),
            Normalized(kernel) => {
                kernel.fill_tile(src, out);
                let (m, n) = src.shape();
                let self_value = |row: Row<'_>| kernel.eval_rows(&row, &row);
                let da: Vec<f64> = (0..m).map(|r| self_value(src.row_a(r))).collect();
                let db: Vec<f64> = (0..n).map(|c| self_value(src.row_b(c))).collect();
                for (c, &dc) in db.iter().enumerate() {
                    for (o, &dr) in out.col_as_slice_mut(c).iter_mut().zip(&da) {
                        let norm = (dr * dc).sqrt();
                        *o = if norm > 0.0 { *o / norm } else { 0.0 };
                    }
                }
            }
        }
    }
}

/// Which tile entries pair a sample with itself: the global indices of the
/// tile's rows and columns, when both sides are the same data set.
#[derive(Clone, Copy)]
pub(crate) struct SelfPairs<'a> {
    pub rows: &'a [usize],
    pub cols: &'a [usize],
}

impl SelfPairs<'_> {
    /// Sets `m[r, c] = 0` wherever `rows[r] == cols[c]`.
    pub(crate) fn zero(self, m: &mut Mat<f64>) {
        let first = self.cols.first().copied().unwrap_or(0);
        let width = self.cols.len();
        let contiguous = self.cols.iter().enumerate().all(|(k, &j)| j == first + k);
        if !contiguous {
            for (r, &i) in self.rows.iter().enumerate() {
                for (c, &j) in self.cols.iter().enumerate() {
                    if i == j {
                        m[(r, c)] = 0.0;
                    }
                }
            }
            return;
        }
        // Rows in blocks of 16, each tested with one branch-free (vectorised)
        // scan: a kernel row's tile has thousands of rows and one self pair.
        let inside = |i: usize| i.wrapping_sub(first) < width;
        for (b, block) in self.rows.chunks(16).enumerate() {
            if block.iter().fold(false, |hit, &i| hit | inside(i)) {
                for (r, &i) in block.iter().enumerate() {
                    if inside(i) {
                        m[(16 * b + r, i - first)] = 0.0;
                    }
                }
            }
        }
    }
}

/// `out = a bᵀ` for row-major `a` (m × d) and `b` (n × d).
fn gemm_abt(a: &[f64], b: &[f64], d: usize, out: &mut Mat<f64>) {
    if d == 0 {
        map_in_place(out, |_| 0.0);
        return;
    }
    if out.ncols() <= 8 {
        dots_into(out, a, b, d);
        return;
    }
    let lhs = MatRef::from_row_major_slice(a, a.len() / d, d);
    let rhs = MatRef::from_row_major_slice(b, b.len() / d, d).transpose();
    matmul(out.as_mut(), Accum::Replace, lhs, rhs, 1.0, Par::Seq);
    crate::simd::clear_upper_state();
}

/// A tile over dense rows: `a` (m × d) and `b` (n × d), both row-major.
pub(crate) struct DenseTile<'a> {
    pub a: &'a [f64],
    pub b: &'a [f64],
    pub na: &'a [f64],
    pub nb: &'a [f64],
    pub d: usize,
    pub self_pairs: Option<SelfPairs<'a>>,
}

impl TileSource for DenseTile<'_> {
    fn shape(&self) -> (usize, usize) {
        (self.na.len(), self.nb.len())
    }

    fn dot_into(&mut self, out: &mut Mat<f64>) {
        gemm_abt(self.a, self.b, self.d, out);
    }

    fn sq_distance_into(&mut self, out: &mut Mat<f64>) {
        gemm_abt(self.a, self.b, self.d, out);
        dot_to_sq_distance(out, self.na, self.nb);
        if let Some(p) = self.self_pairs {
            p.zero(out);
        }
    }

    fn l1_distance_into(&mut self, out: &mut Mat<f64>) {
        let d = self.d;
        for c in 0..out.ncols() {
            let y = &self.b[c * d..(c + 1) * d];
            for (r, o) in out.col_as_slice_mut(c).iter_mut().enumerate() {
                let x = &self.a[r * d..(r + 1) * d];
                *o = x.iter().zip(y).map(|(x, y)| (x - y).abs()).sum();
            }
        }
    }

    fn weighted_sq_distance_into(&mut self, weights: &[f64], out: &mut Mat<f64>) {
        let d = self.d.max(1);
        let sw: Vec<f64> = weights.iter().map(|w| w.sqrt()).collect();
        let scale = |rows: &[f64]| -> (Vec<f64>, Vec<f64>) {
            let scaled: Vec<f64> = rows.chunks_exact(d).flat_map(|x| x.iter().zip(&sw).map(|(x, s)| x * s)).collect();
            let norms = scaled.chunks_exact(d).map(|x| x.iter().map(|v| v * v).sum()).collect();
            (scaled, norms)
        };
        let (sa, na) = scale(self.a);
        let (sb, nb) = scale(self.b);
        gemm_abt(&sa, &sb, self.d, out);
        dot_to_sq_distance(out, &na, &nb);
        if let Some(p) = self.self_pairs {
            p.zero(out);
        }
    }

    fn row_a(&self, r: usize) -> Row<'_> {
        Row::Dense(&self.a[r * self.d..(r + 1) * self.d])
    }

    fn row_b(&self, c: usize) -> Row<'_> {
        Row::Dense(&self.b[c * self.d..(c + 1) * self.d])
    }
}

/// A tile over sparse rows `a[rows]` × `b[cols]`.
pub(crate) struct SparseTile<'a> {
    pub a: &'a SparseMatrix,
    pub rows: &'a [usize],
    pub b: &'a SparseMatrix,
    pub cols: &'a [usize],
    pub na: &'a [f64],
    pub nb: &'a [f64],
    pub same_data: bool,
}

impl SparseTile<'_> {
    fn self_pairs(&self) -> Option<SelfPairs<'_>> {
        self.same_data.then_some(SelfPairs { rows: self.rows, cols: self.cols })
    }

    /// `out[r, c] = pair(scattered a_r, b_c)` where `a_r` (optionally scaled
    /// by `weights`) is scattered into a dense buffer once per row; `merged`
    /// computes the same value from the two rows when the data is too wide to
    /// scatter.
    fn scatter_products(
        &self,
        weights: Option<&[f64]>,
        out: &mut Mat<f64>,
        pair: impl Fn(&[f64], &[u32], &[f64]) -> f64,
        merged: impl Fn(Row<'_>, Row<'_>) -> f64,
    ) {
        let d = self.a.n_cols().max(self.b.n_cols());
        if d > SCATTER_LIMIT {
            for c in 0..self.cols.len() {
                for r in 0..self.rows.len() {
                    out[(r, c)] = merged(self.row_a(r), self.row_b(c));
                }
            }
            return;
        }
        // Scatter the side with fewer rows, once per row, and run over the other.
        let mut buf = vec![0.0; d];
        let transposed = self.cols.len() < self.rows.len();
        let (outer, outer_m, inner, inner_m) =
            if transposed { (self.cols, self.b, self.rows, self.a) } else { (self.rows, self.a, self.cols, self.b) };
        for (o, &i) in outer.iter().enumerate() {
            let (ia, va) = outer_m.row(i);
            for (&k, &v) in ia.iter().zip(va) {
                buf[k as usize] = weights.map_or(v, |w| w[k as usize] * v);
            }
            for (t, &j) in inner.iter().enumerate() {
                let (ib, vb) = inner_m.row(j);
                let value = pair(&buf, ib, vb);
                if transposed {
                    out[(t, o)] = value;
                } else {
                    out[(o, t)] = value;
                }
            }
            for &k in ia {
                buf[k as usize] = 0.0;
            }
        }
    }
}

fn scattered_dot(buf: &[f64], idx: &[u32], val: &[f64]) -> f64 {
    idx.iter().zip(val).map(|(&k, &v)| buf[k as usize] * v).sum()
}

/// The part of `‖a − b‖₁ = ‖a‖₁ + Σ_{k ∈ b} (|a_k − b_k| − |a_k|)` that
/// depends on `b`, with `a` scattered into `buf`; the caller adds `‖a‖₁`.
fn scattered_l1_correction(buf: &[f64], idx: &[u32], val: &[f64]) -> f64 {
    idx.iter().zip(val).map(|(&k, &v)| (buf[k as usize] - v).abs() - buf[k as usize].abs()).sum()
}

impl TileSource for SparseTile<'_> {
    fn shape(&self) -> (usize, usize) {
        (self.rows.len(), self.cols.len())
    }

    fn dot_into(&mut self, out: &mut Mat<f64>) {
        self.scatter_products(None, out, scattered_dot, |x, y| x.dot(&y));
    }

    fn sq_distance_into(&mut self, out: &mut Mat<f64>) {
        self.dot_into(out);
        dot_to_sq_distance(out, self.na, self.nb);
        if let Some(p) = self.self_pairs() {
            p.zero(out);
        }
    }

    fn l1_distance_into(&mut self, out: &mut Mat<f64>) {
        let d = self.a.n_cols().max(self.b.n_cols());
        self.scatter_products(None, out, scattered_l1_correction, |x, y| x.l1_distance(&y));
        if d <= SCATTER_LIMIT {
            // Add ‖·‖₁ of the scattered side (see `scatter_products`).
            let norm1 = |m: &SparseMatrix, i: usize| m.row(i).1.iter().map(|v| v.abs()).sum::<f64>();
            if self.cols.len() < self.rows.len() {
                for (c, &j) in self.cols.iter().enumerate() {
                    let n1 = norm1(self.b, j);
                    out.col_as_slice_mut(c).iter_mut().for_each(|o| *o = (*o + n1).max(0.0));
                }
            } else {
                for (r, &i) in self.rows.iter().enumerate() {
                    let n1 = norm1(self.a, i);
                    for c in 0..out.ncols() {
                        out[(r, c)] = (out[(r, c)] + n1).max(0.0);
                    }
                }
            }
        }
        if let Some(p) = self.self_pairs() {
            p.zero(out);
        }
    }

    fn weighted_sq_distance_into(&mut self, weights: &[f64], out: &mut Mat<f64>) {
        self.scatter_products(Some(weights), out, scattered_dot, |x, y| {
            let mut s = 0.0;
            x.zip_with(&y, |k, x, y| s += weights[k] * x * y);
            s
        });
        let wnorm = |row: Row<'_>| {
            let Row::Sparse(idx, val) = row else { unreachable!("sparse tile") };
            idx.iter().zip(val).map(|(&k, &v)| weights[k as usize] * v * v).sum::<f64>()
        };
        let na: Vec<f64> = (0..self.rows.len()).map(|r| wnorm(self.row_a(r))).collect();
        let nb: Vec<f64> = (0..self.cols.len()).map(|c| wnorm(self.row_b(c))).collect();
        dot_to_sq_distance(out, &na, &nb);
        if let Some(p) = self.self_pairs() {
            p.zero(out);
        }
    }

    fn row_a(&self, r: usize) -> Row<'_> {
        let (i, v) = self.a.row(self.rows[r]);
        Row::Sparse(i, v)
    }

    fn row_b(&self, c: usize) -> Row<'_> {
        let (i, v) = self.b.row(self.cols[c]);
        Row::Sparse(i, v)
    }
}
