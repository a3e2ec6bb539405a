//! How a block of K is cut into tiles that fit the GPU memory kern may take,
//! and in which order they run. Pure arithmetic, tested on the CPU.

use std::ops::Range;

use crate::GpuError;

/// Largest tile side. 8192² f32 values are 256 MiB: big enough that one
/// GEMM keeps an H100 busy, small enough that two fit beside the data.
pub const MAX_TILE: usize = 8192;
/// Smallest tile side the planner shrinks to before it gives up.
pub const MIN_TILE: usize = 32;

/// One output tile: rows and columns of the block it covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tile {
    /// Position in the schedule.
    pub index: usize,
    pub rows: Range<usize>,
    pub cols: Range<usize>,
}

/// The tiling of an `m × n` block whose samples have `d` features.
///
/// Each of the two in-flight slots holds both tiles' samples, their squared
/// norms, their index lists and the output tile on the device; the plan picks
/// the largest tiles for which two slots fit in `budget` bytes.
///
/// ```
/// use kern_gpu::TilePlan;
/// // K(X, X) for n = 200,000, d = 128 in f32 within 2 GiB: streamed in tiles.
/// let plan = TilePlan::new(200_000, 200_000, 128, 4, 2 << 30, true).unwrap();
/// assert!(plan.device_bytes() <= 2 << 30);
/// assert!(plan.tile_rows < 200_000);
/// let covered: usize = plan.tiles().iter().map(|t| t.rows.len() * t.cols.len()).sum();
/// // Upper-triangle tiles only: a bit over half of the n² entries.
/// assert!(covered >= 200_000 * 200_001 / 2 && covered < 200_000 * 200_000);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TilePlan {
    pub rows: usize,
    pub cols: usize,
    pub d: usize,
    /// Bytes per value: 4 (f32) or 8 (f64).
    pub scalar_bytes: usize,
    pub tile_rows: usize,
    pub tile_cols: usize,
    /// Only tiles on or above the diagonal are computed (the block is `K(X, X)`).
    pub symmetric: bool,
}

impl TilePlan {
    /// Plans an `m × n` block within `budget` bytes of device memory.
    pub fn new(
        m: usize,
        n: usize,
        d: usize,
        scalar_bytes: usize,
        budget: usize,
        symmetric: bool,
    ) -> Result<Self, GpuError> {
        assert!(!symmetric || m == n, "a symmetric block is square");
        let fits = |tr: usize, tc: usize| 2 * slot_bytes(tr, tc, d, scalar_bytes) <= budget;
        let mut side = MAX_TILE;
        loop {
            let (tr, tc) = shape(m, n, side, symmetric);
            if fits(tr, tc) {
                return Ok(Self { rows: m, cols: n, d, scalar_bytes, tile_rows: tr, tile_cols: tc, symmetric });
            }
            if side <= MIN_TILE {
                let need = 2 * slot_bytes(tr, tc, d, scalar_bytes);
                return Err(GpuError::Memory { need_mib: mib(need), budget_mib: mib(budget) });
            }
            side /= 2;
        }
    }

    /// Device bytes the two slots take.
    pub fn device_bytes(&self) -> usize {
        2 * slot_bytes(self.tile_rows, self.tile_cols, self.d, self.scalar_bytes)
    }

    /// The tiles in schedule order: column tiles outside, row tiles inside,
    /// only the upper triangle when symmetric (the same order as the CPU's
    /// `fill_tiles`).
    pub fn tiles(&self) -> Vec<Tile> {
        let mut tiles = Vec::new();
        for c0 in (0..self.cols).step_by(self.tile_cols.max(1)) {
            for r0 in (0..self.rows).step_by(self.tile_rows.max(1)) {
                if !self.symmetric || r0 <= c0 {
                    let rows = r0..(r0 + self.tile_rows).min(self.rows);
                    let cols = c0..(c0 + self.tile_cols).min(self.cols);
                    tiles.push(Tile { index: tiles.len(), rows, cols });
                }
            }
        }
        tiles
    }
}

/// Tile shape for side `side`: square, except that a block with few rows
/// (SMO's kernel rows) gets tiles as long as the same area allows.
fn shape(m: usize, n: usize, side: usize, symmetric: bool) -> (usize, usize) {
    let tr = m.min(side).max(1);
    if symmetric {
        return (tr, tr);
    }
    let tc = n.min(side.saturating_mul(side) / tr).max(1);
    (tr, tc)
}

/// One slot: `tr + tc` samples of `d` values, their norms, their `i32` index
/// lists, and the `tr × tc` output.
pub fn slot_bytes(tr: usize, tc: usize, d: usize, scalar_bytes: usize) -> usize {
    let values = (tr + tc).saturating_mul(d).saturating_add(tr + tc).saturating_add(tr.saturating_mul(tc));
    values.saturating_mul(scalar_bytes).saturating_add((tr + tc) * 4)
}

fn mib(bytes: usize) -> f64 {
    bytes as f64 / (1u64 << 20) as f64
}
