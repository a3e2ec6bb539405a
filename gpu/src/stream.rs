//! The double-buffered tile pipeline: while the device computes tile `t`,
//! the host copies tile `t − 1` out. Written against [`TileBackend`], so the
//! schedule is the same for the CUDA backend and the CPU emulation.

use faer::{MatMut, MatRef};

use crate::GpuError;
use crate::plan::{Tile, TilePlan};

/// Something that computes tiles asynchronously in two slots.
pub trait TileBackend {
    /// Starts computing `tile` in `slot` (0 or 1) without waiting for it.
    /// The slot is free: its previous tile has been finished.
    fn launch(&mut self, slot: usize, tile: &Tile) -> Result<(), GpuError>;

    /// Waits for the tile last launched in `slot` and returns its values,
    /// column-major, `rows.len() × cols.len()`.
    fn finish(&mut self, slot: usize) -> Result<&[f64], GpuError>;
}

/// Runs every tile of `plan` through `backend`, two in flight, and hands each
/// finished tile to `sink` in schedule order.
///
/// `K(X, X)` for n = 200,000 never fits in memory: a sink that folds tiles
/// into a product or a file streams it.
pub fn run_tiles<B: TileBackend + ?Sized>(
    backend: &mut B,
    plan: &TilePlan,
    mut sink: impl FnMut(&Tile, MatRef<'_, f64>),
) -> Result<(), GpuError> {
    let tiles = plan.tiles();
    let mut in_flight: [Option<&Tile>; 2] = [None, None];
    let mut drain = |backend: &mut B, slot: usize, tile: &Tile| -> Result<(), GpuError> {
        let values = backend.finish(slot)?;
        sink(tile, MatRef::from_column_major_slice(values, tile.rows.len(), tile.cols.len()));
        Ok(())
    };
    for tile in &tiles {
        let slot = tile.index % 2;
        if let Some(previous) = in_flight[slot].take() {
            drain(backend, slot, previous)?;
        }
        backend.launch(slot, tile)?;
        in_flight[slot] = Some(tile);
        // The other slot's tile was launched before this one: copy it out
        // while the device works on this one.
        if let Some(previous) = in_flight[1 - slot].take() {
            drain(backend, 1 - slot, previous)?;
        }
    }
    for slot in 0..2 {
        if let Some(tile) = in_flight[slot].take() {
            drain(backend, slot, tile)?;
        }
    }
    Ok(())
}

/// Runs `plan` into `out` (`plan.rows × plan.cols`). A symmetric plan
/// computes the upper tiles and mirrors them, so `out` is exactly symmetric.
pub fn compute_block<B: TileBackend + ?Sized>(
    backend: &mut B,
    plan: &TilePlan,
    mut out: MatMut<'_, f64>,
) -> Result<(), GpuError> {
    assert_eq!((out.nrows(), out.ncols()), (plan.rows, plan.cols), "output block has the wrong shape");
    let symmetric = plan.symmetric;
    run_tiles(backend, plan, |tile, values| {
        for (c, j) in tile.cols.clone().enumerate() {
            for (r, i) in tile.rows.clone().enumerate() {
                // A diagonal tile's lower half comes from its upper half.
                if symmetric && i > j {
                    continue;
                }
                out[(i, j)] = values[(r, c)];
                if symmetric {
                    out[(j, i)] = values[(r, c)];
                }
            }
        }
    })
}
