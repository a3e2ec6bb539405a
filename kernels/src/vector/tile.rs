//! One output tile of a vector kernel: the pairwise quantities a tile needs
//! (inner products, distances), each computed at most once, and the
//! element-wise pass that turns them into kernel values.

use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, MatRef, Par};

use crate::data::{Row, SparseMatrix};
use crate::vector::VectorKernel;

/// Sparse rows are scattered into a dense buffer of this many features at
/// most; wider data uses merged sparse products instead.
const SCATTER_LIMIT: usize = 1 << 18;

/// Relative size of the rounding error of `‖a‖² + ‖b‖² − 2⟨a, b⟩`.
const ROUNDING: f64 = 8.0 * f64::EPSILON;

/// The pairwise quantities of one tile, computed on demand and cached.
pub(crate) trait TileSource {
    /// `(rows, cols)` of the tile.
    fn shape(&self) -> (usize, usize);
    /// `⟨a_r, b_c⟩`.
    fn dot(&mut self) -> &Mat<f64>;
    /// `‖a_r − b_c‖²`, clamped at 0 and exactly 0 for a sample paired with itself.
    fn sq_distance(&mut self) -> &Mat<f64>;
    /// `‖a_r − b_c‖₁`.
    fn l1_distance(&mut self) -> &Mat<f64>;
    /// `Σ_j w_j (a_rj − b_cj)²`, clamped at 0.
    fn weighted_sq_distance(&mut self, weights: &[f64]) -> Mat<f64>;
    /// Row `r` of the tile's left samples.
    fn row_a(&self, r: usize) -> Row<'_>;
    /// Column `c` of the tile's right samples.
    fn row_b(&self, c: usize) -> Row<'_>;
}

impl VectorKernel {
    /// Writes this kernel's values for the tile described by `src` into `out`.
    pub(crate) fn fill_tile(&self, src: &mut dyn TileSource, out: &mut Mat<f64>) {
        use VectorKernel::*;
        match self {
            Linear | Polynomial { .. } | Sigmoid { .. } => map_into(out, src.dot(), |g| self.from_dot(g)),
            Rbf { gamma } => {
                let gamma = *gamma;
                map_into(out, src.sq_distance(), |d2| (-gamma * d2).exp());
            }
            Matern12 { .. } | Matern32 { .. } | Matern52 { .. } => {
                map_into(out, src.sq_distance(), |d2| self.from_sq_distance(d2));
            }
            Laplacian { gamma } => {
                let gamma = *gamma;
                map_into(out, src.l1_distance(), |l1| (-gamma * l1).exp());
            }
            ArdRbf { lengthscales } => {
                let w: Vec<f64> = lengthscales.iter().map(|l| 1.0 / (l * l)).collect();
                map_into(out, &src.weighted_sq_distance(&w), |d2| (-0.5 * d2).exp());
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
                kernel.fill_tile(src, out);
                for c in 0..out.ncols() {
                    out.col_as_slice_mut(c).iter_mut().for_each(|o| *o *= scale);
                }
            }
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

/// `out = f(src)` element-wise, column by column.
#[inline]
fn map_into(out: &mut Mat<f64>, src: &Mat<f64>, f: impl Fn(f64) -> f64) {
    for c in 0..out.ncols() {
        for (o, &s) in out.col_as_slice_mut(c).iter_mut().zip(src.col_as_slice(c)) {
            *o = f(s);
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
    fn zero_diagonal(self, m: &mut Mat<f64>) {
        for (c, &j) in self.cols.iter().enumerate() {
            for (r, &i) in self.rows.iter().enumerate() {
                if i == j {
                    m[(r, c)] = 0.0;
                }
            }
        }
    }
}

/// `‖a‖² + ‖b‖² − 2⟨a, b⟩`. The formula's rounding error is a few ulps of
/// `‖a‖² + ‖b‖²`; anything within that is set to 0, so identical points get an
/// exact 0 (which matters under the square root of the Matérn kernels).
fn sq_distance_from_dot(dot: &Mat<f64>, na: &[f64], nb: &[f64], self_pairs: Option<SelfPairs<'_>>) -> Mat<f64> {
    let mut d2 = Mat::zeros(dot.nrows(), dot.ncols());
    for (c, &nc) in nb.iter().enumerate() {
        for ((o, &g), &nr) in d2.col_as_slice_mut(c).iter_mut().zip(dot.col_as_slice(c)).zip(na) {
            let d2 = nr + nc - 2.0 * g;
            *o = if d2 > ROUNDING * (nr + nc) { d2 } else { 0.0 };
        }
    }
    if let Some(p) = self_pairs {
        p.zero_diagonal(&mut d2);
    }
    d2
}

/// A tile over dense rows: `a` (m × d) and `b` (n × d), both row-major.
pub(crate) struct DenseTile<'a> {
    pub a: &'a [f64],
    pub b: &'a [f64],
    pub na: &'a [f64],
    pub nb: &'a [f64],
    pub d: usize,
    pub self_pairs: Option<SelfPairs<'a>>,
    pub dot: Option<Mat<f64>>,
    pub sq: Option<Mat<f64>>,
    pub l1: Option<Mat<f64>>,
}

impl DenseTile<'_> {
    fn gemm(a: &[f64], b: &[f64], d: usize) -> Mat<f64> {
        let (m, n) = (a.len() / d.max(1), b.len() / d.max(1));
        let mut out = Mat::zeros(m, n);
        if d > 0 {
            let lhs = MatRef::from_row_major_slice(a, m, d);
            let rhs = MatRef::from_row_major_slice(b, n, d).transpose();
            matmul(out.as_mut(), Accum::Replace, lhs, rhs, 1.0, Par::Seq);
        }
        out
    }
}

impl TileSource for DenseTile<'_> {
    fn shape(&self) -> (usize, usize) {
        (self.na.len(), self.nb.len())
    }

    fn dot(&mut self) -> &Mat<f64> {
        self.dot.get_or_insert_with(|| Self::gemm(self.a, self.b, self.d))
    }

    fn sq_distance(&mut self) -> &Mat<f64> {
        if self.sq.is_none() {
            let (na, nb, pairs) = (self.na, self.nb, self.self_pairs);
            let d2 = sq_distance_from_dot(self.dot(), na, nb, pairs);
            self.sq = Some(d2);
        }
        self.sq.as_ref().expect("just computed")
    }

    fn l1_distance(&mut self) -> &Mat<f64> {
        let (a, b, d) = (self.a, self.b, self.d);
        self.l1.get_or_insert_with(|| {
            let (m, n) = (self.na.len(), self.nb.len());
            let mut out = Mat::zeros(m, n);
            for c in 0..n {
                let y = &b[c * d..(c + 1) * d];
                for (r, o) in out.col_as_slice_mut(c).iter_mut().enumerate() {
                    let x = &a[r * d..(r + 1) * d];
                    *o = x.iter().zip(y).map(|(x, y)| (x - y).abs()).sum();
                }
            }
            out
        })
    }

    fn weighted_sq_distance(&mut self, weights: &[f64]) -> Mat<f64> {
        let d = self.d;
        let scale = |rows: &[f64]| -> (Vec<f64>, Vec<f64>) {
            let sw: Vec<f64> = weights.iter().map(|w| w.sqrt()).collect();
            let scaled: Vec<f64> = rows.chunks_exact(d.max(1)).flat_map(|x| x.iter().zip(&sw).map(|(x, s)| x * s)).collect();
            let norms = scaled.chunks_exact(d.max(1)).map(|x| x.iter().map(|v| v * v).sum()).collect();
            (scaled, norms)
        };
        let (sa, na) = scale(self.a);
        let (sb, nb) = scale(self.b);
        let dot = Self::gemm(&sa, &sb, d);
        sq_distance_from_dot(&dot, &na, &nb, self.self_pairs)
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
    pub dot: Option<Mat<f64>>,
    pub sq: Option<Mat<f64>>,
    pub l1: Option<Mat<f64>>,
}

impl SparseTile<'_> {
    fn width(&self) -> usize {
        self.a.n_cols().max(self.b.n_cols())
    }

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
        pair: impl Fn(&[f64], &[u32], &[f64]) -> f64,
        merged: impl Fn(Row<'_>, Row<'_>) -> f64,
    ) -> Mat<f64> {
        let mut out = Mat::zeros(self.rows.len(), self.cols.len());
        let d = self.width();
        if d > SCATTER_LIMIT {
            for c in 0..self.cols.len() {
                for r in 0..self.rows.len() {
                    out[(r, c)] = merged(self.row_a(r), self.row_b(c));
                }
            }
            return out;
        }
        let mut buf = vec![0.0; d];
        for (r, &i) in self.rows.iter().enumerate() {
            let (ia, va) = self.a.row(i);
            for (&k, &v) in ia.iter().zip(va) {
                buf[k as usize] = weights.map_or(v, |w| w[k as usize] * v);
            }
            for (c, &j) in self.cols.iter().enumerate() {
                let (ib, vb) = self.b.row(j);
                out[(r, c)] = pair(&buf, ib, vb);
            }
            for &k in ia {
                buf[k as usize] = 0.0;
            }
        }
        out
    }
}

fn scattered_dot(buf: &[f64], idx: &[u32], val: &[f64]) -> f64 {
    idx.iter().zip(val).map(|(&k, &v)| buf[k as usize] * v).sum()
}

impl TileSource for SparseTile<'_> {
    fn shape(&self) -> (usize, usize) {
        (self.rows.len(), self.cols.len())
    }

    fn dot(&mut self) -> &Mat<f64> {
        if self.dot.is_none() {
            self.dot = Some(self.scatter_products(None, scattered_dot, |x, y| x.dot(&y)));
        }
        self.dot.as_ref().expect("just computed")
    }

    fn sq_distance(&mut self) -> &Mat<f64> {
        if self.sq.is_none() {
            let (na, nb) = (self.na, self.nb);
            self.dot();
            let d2 = sq_distance_from_dot(self.dot.as_ref().expect("computed"), na, nb, self.self_pairs());
            self.sq = Some(d2);
        }
        self.sq.as_ref().expect("just computed")
    }

    fn l1_distance(&mut self) -> &Mat<f64> {
        if self.l1.is_none() {
            // ‖a − b‖₁ = ‖a‖₁ + Σ_{k ∈ b} (|a_k − b_k| − |a_k|).
            let mut out = self.scatter_products(
                None,
                |buf, idx, val| idx.iter().zip(val).map(|(&k, &v)| (buf[k as usize] - v).abs() - buf[k as usize].abs()).sum(),
                |x, y| x.l1_distance(&y),
            );
            if self.width() <= SCATTER_LIMIT {
                for (r, &i) in self.rows.iter().enumerate() {
                    let norm1: f64 = self.a.row(i).1.iter().map(|v| v.abs()).sum();
                    for c in 0..out.ncols() {
                        out[(r, c)] = (out[(r, c)] + norm1).max(0.0);
                    }
                }
            }
            if let Some(p) = self.self_pairs() {
                p.zero_diagonal(&mut out);
            }
            self.l1 = Some(out);
        }
        self.l1.as_ref().expect("just computed")
    }

    fn weighted_sq_distance(&mut self, weights: &[f64]) -> Mat<f64> {
        let wdot = self.scatter_products(Some(weights), scattered_dot, |x, y| {
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
        sq_distance_from_dot(&wdot, &na, &nb, self.self_pairs())
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
