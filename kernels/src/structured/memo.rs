//! A collection's memo of data derived from it for one kernel (its feature
//! map, its self-similarities), built on first use and shared by every block.

use std::any::Any;
use std::fmt::Debug;
use std::sync::{Arc, Mutex};

use faer::Par;
use rayon::prelude::*;

use super::FeatureRows;

/// Derived data keyed by what it was derived for (a kernel's parameters).
///
/// The lock is never held while building, so a build may itself run in
/// parallel (rayon) without deadlocking; two racing builds of the same key
/// keep the first one stored.
#[derive(Default)]
pub(crate) struct Memo {
    entries: Mutex<Vec<(String, Arc<dyn Any + Send + Sync>)>>,
}

impl Memo {
    /// The value stored under `key`, built by `build` when absent.
    pub(crate) fn get_or_build<T: Any + Send + Sync>(&self, key: String, build: impl FnOnce() -> T) -> Arc<T> {
        if let Some(found) = self.find::<T>(&key) {
            return found;
        }
        let built: Arc<T> = Arc::new(build());
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, v)) = entries.iter().find(|(k, _)| *k == key)
            && let Ok(v) = v.clone().downcast::<T>()
        {
            return v;
        }
        entries.push((key, built.clone()));
        built
    }

    /// The sparse feature vectors of the collection's `n` samples under
    /// `kernel` (`emit(i, ids)` pushes sample i's feature ids).
    pub(crate) fn features(
        &self,
        kernel: &impl Debug,
        n: usize,
        par: Par,
        emit: impl Fn(usize, &mut Vec<u64>) + Sync,
    ) -> Arc<FeatureRows> {
        self.get_or_build(format!("features:{kernel:?}"), || FeatureRows::build(n, par, emit))
    }

    /// `k(x_i, x_i)` of the collection's `n` samples under `kernel`, unnormalised.
    pub(crate) fn self_similarities(
        &self,
        kernel: &impl Debug,
        n: usize,
        par: Par,
        k: impl Fn(usize) -> f64 + Sync + Send,
    ) -> Arc<Vec<f64>> {
        self.get_or_build(format!("diagonal:{kernel:?}"), || {
            if crate::is_sequential(par) { (0..n).map(k).collect() } else { (0..n).into_par_iter().map(k).collect() }
        })
    }

    fn find<T: Any + Send + Sync>(&self, key: &str) -> Option<Arc<T>> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.iter().find(|(k, _)| k == key).and_then(|(_, v)| v.clone().downcast::<T>().ok())
    }
}

impl Clone for Memo {
    /// A copy starts empty: what is derived is cheap to derive again.
    fn clone(&self) -> Self {
        Self::default()
    }
}

impl std::fmt::Debug for Memo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Memo")
    }
}
