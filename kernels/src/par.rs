//! Parallelism requests (faer's `Par`) that also build for wasm32, where faer
//! has no rayon feature and `Par` has no parallel variant.

use faer::Par;

/// Whether `par` asks for one thread. Always true on wasm32, where faer is
/// built without rayon and there are no threads to ask for.
///
/// ```
/// assert!(kern_kernels::is_sequential(kern_kernels::Par::Seq));
/// ```
pub fn is_sequential(par: Par) -> bool {
    cfg!(target_family = "wasm") || matches!(par, Par::Seq)
}

/// `threads` workers of the current rayon pool (0: every one), or one thread
/// where there are no threads (wasm32) or only one is asked for.
///
/// ```
/// assert!(kern_kernels::is_sequential(kern_kernels::par_threads(1)));
/// ```
pub fn par_threads(threads: usize) -> Par {
    #[cfg(target_family = "wasm")]
    let _ = threads;
    #[cfg(target_family = "wasm")]
    return Par::Seq;
    #[cfg(not(target_family = "wasm"))]
    if threads == 1 { Par::Seq } else { Par::rayon(threads) }
}
