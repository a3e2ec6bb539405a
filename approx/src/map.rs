//! A fitted feature map of either kind, as models store it.

use serde::{Deserialize, Serialize};

use crate::{FeatureMap, Nystroem, RandomFourierFeatures};

/// A feature map fitted on the training data.
///
/// ```
/// use kern_approx::{ApproxMap, FeatureMap, RandomFourierFeatures};
/// use kern_kernels::VectorKernel;
/// let rff = RandomFourierFeatures::new(&VectorKernel::Rbf { gamma: 1.0 }, 3, 16, false, 1).unwrap();
/// let map = ApproxMap::Rff(rff);
/// assert_eq!((map.name(), map.feature_map().n_components()), ("rff", 16));
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ApproxMap {
    /// Random Fourier features.
    Rff(RandomFourierFeatures),
    /// Nyström features on landmarks of the training data.
    Nystroem(Box<Nystroem>),
}

impl ApproxMap {
    /// The map, to apply.
    pub fn feature_map(&self) -> &dyn FeatureMap {
        match self {
            ApproxMap::Rff(m) => m,
            ApproxMap::Nystroem(m) => m.as_ref(),
        }
    }

    /// Its command-line name.
    pub fn name(&self) -> &'static str {
        match self {
            ApproxMap::Rff(_) => "rff",
            ApproxMap::Nystroem(_) => "nystroem",
        }
    }
}
