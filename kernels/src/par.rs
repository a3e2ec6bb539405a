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

/// The eigenvalues (ascending) and eigenvectors (columns) of the symmetric
/// matrix whose lower triangle is `a`, computed with `par`; `None` when the
/// decomposition does not converge.
///
/// faer's `self_adjoint_eigen` splits its work by its global parallelism,
/// which follows the size of the current thread pool; so would the bits of
/// the result. Here the caller's `par` decides, as everywhere else in kern.
///
/// ```
/// use faer::mat;
/// let (values, vectors) = kern_kernels::self_adjoint_eigen(mat![[2.0, 1.0], [1.0, 2.0]].as_ref(), kern_kernels::Par::Seq).unwrap();
/// assert!((values[0] - 1.0).abs() < 1e-12 && (values[1] - 3.0).abs() < 1e-12);
/// assert!((vectors[(0, 1)].abs() - 0.5f64.sqrt()).abs() < 1e-12);
/// ```
pub fn self_adjoint_eigen(a: faer::MatRef<'_, f64>, par: Par) -> Option<(Vec<f64>, faer::Mat<f64>)> {
    use faer::dyn_stack::{MemBuffer, MemStack};
    use faer::linalg::evd::{ComputeEigenvectors, self_adjoint_evd, self_adjoint_evd_scratch};
    let n = a.nrows();
    let mut values = faer::diag::Diag::<f64>::zeros(n);
    let mut vectors = faer::Mat::<f64>::zeros(n, n);
    let scratch = self_adjoint_evd_scratch::<f64>(n, ComputeEigenvectors::Yes, par, Default::default());
    let mut mem = MemBuffer::new(scratch);
    let done =
        self_adjoint_evd(a, values.as_mut(), Some(vectors.as_mut()), par, MemStack::new(&mut mem), Default::default());
    crate::simd::clear_upper_state();
    done.ok()?;
    Some(((0..n).map(|i| values[i]).collect(), vectors))
}
