//! `Nystroem` and `RandomFourierFeatures`: kernel feature maps as linfa
//! transformers, so that any linear linfa model runs on kernel features.

use std::marker::PhantomData;

use kern_approx::{FeatureMap, Landmarks};
use kern_kernels::{DataSet, Par};
use linfa::dataset::DatasetBase;
use linfa::traits::{Fit, Transformer};
use linfa::{Float, ParamGuard};
use ndarray::{Array2, ArrayBase, Data, Ix2};

use super::{cast, check_kernel, default_par, kernel_builder, to_dataset, to_test_set};
use crate::error::{Error, Result};
use crate::train::memory::{Shape, check_plan};
use crate::train::{Approx, FitSpec, Task};

/// `φ(X)` in the records' float type.
fn features<F: Float, D: Data<Elem = F>>(map: &dyn FeatureMap, x: &ArrayBase<D, Ix2>, par: Par) -> Array2<F> {
    let phi = map.transform(&to_test_set(x, map.n_features()), par).expect("the width was checked");
    Array2::from_shape_fn((phi.nrows(), phi.ncols()), |(i, j)| cast(phi[(i, j)]))
}

/// Refuses a map whose features would not fit the memory cap (the engine's plan).
fn check_map(spec: &FitSpec, method: Approx, components: usize, x: &DataSet, par: Par) -> Result<()> {
    let mut spec = FitSpec { task: Task::Svc, ..spec.clone() };
    (spec.approx.method, spec.approx.components) = (method, components);
    check_plan(&spec, Shape::of_vectors(x, par))
}

/// The number of landmarks must be positive (known before the data is seen).
fn check_components(components: usize) -> Result<()> {
    if components == 0 {
        return Err(Error::Usage("components must be at least 1".into()));
    }
    Ok(())
}

/// The hyperparameters of a [`Nystroem`] map, checked when it is fitted.
#[derive(Clone, Debug, PartialEq)]
pub struct NystroemParams<F>(NystroemValid<F>);

/// Checked [`NystroemParams`].
#[derive(Clone, Debug, PartialEq)]
pub struct NystroemValid<F> {
    /// The kernel (its other fields unused).
    spec: FitSpec,
    components: usize,
    landmarks: Landmarks,
    seed: u64,
    par: Par,
    marker: PhantomData<F>,
}

/// A fitted Nyström map `φ(x) = K(x, L) K(L, L)^(−1/2)` over landmarks `L`
/// of the training records (scikit-learn's `Nystroem`).
///
/// ```
/// use linfa::prelude::*;
/// use ndarray::Array2;
///
/// let x = Array2::from_shape_fn((200, 3), |(i, j)| ((i * 13 + j * 7) % 17) as f64 / 17.0);
/// let map = kern::Nystroem::params().components(50).gamma(0.5).fit(&DatasetBase::from(x.clone()))?;
/// let phi = map.transform(&x);
/// assert_eq!(phi.dim(), (200, map.n_components()));
/// # Ok::<(), kern::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Nystroem<F> {
    map: kern_approx::Nystroem,
    par: Par,
    marker: PhantomData<F>,
}

impl<F: Float> Nystroem<F> {
    /// 100 uniformly sampled landmarks, an RBF kernel of gamma `1/n_features`.
    pub fn params() -> NystroemParams<F> {
        NystroemParams(NystroemValid {
            spec: FitSpec::default(),
            components: 100,
            landmarks: Landmarks::Uniform,
            seed: 0,
            par: default_par(),
            marker: PhantomData,
        })
    }

    /// Features of the map (landmarks whose eigenvalue was kept).
    pub fn n_components(&self) -> usize {
        self.map.n_components()
    }

    /// The underlying kern map.
    pub fn map(&self) -> &kern_approx::Nystroem {
        &self.map
    }
}

impl<F: Float> NystroemParams<F> {
    kernel_builder!();

    /// Landmarks at most (100).
    pub fn components(mut self, components: usize) -> Self {
        self.0.components = components;
        self
    }

    /// How to choose landmarks (uniform sampling by default).
    pub fn landmarks(mut self, landmarks: Landmarks) -> Self {
        self.0.landmarks = landmarks;
        self
    }

    /// Seed of the landmark choice (0).
    pub fn seed(mut self, seed: u64) -> Self {
        self.0.seed = seed;
        self
    }
}

impl<F> ParamGuard for NystroemParams<F> {
    type Checked = NystroemValid<F>;
    type Error = Error;

    fn check_ref(&self) -> Result<&Self::Checked> {
        check_kernel(&self.0.spec)?;
        check_components(self.0.components)?;
        Ok(&self.0)
    }

    fn check(self) -> Result<Self::Checked> {
        self.check_ref()?;
        Ok(self.0)
    }
}

impl<F: Float, D: Data<Elem = F>, T> Fit<ArrayBase<D, Ix2>, T, Error> for NystroemValid<F> {
    type Object = Nystroem<F>;

    fn fit(&self, dataset: &DatasetBase<ArrayBase<D, Ix2>, T>) -> Result<Nystroem<F>> {
        let x = to_dataset(dataset.records())?;
        check_map(&self.spec, Approx::Nystroem, self.components, &x, self.par)?;
        let kernel = self.spec.vector_kernel(x.n_features())?;
        let map = kern_approx::Nystroem::fit(&kernel, &x, self.components, self.landmarks, self.seed, self.par)?;
        Ok(Nystroem { map, par: self.par, marker: PhantomData })
    }
}

impl<F: Float, D: Data<Elem = F>> Transformer<&ArrayBase<D, Ix2>, Array2<F>> for Nystroem<F> {
    fn transform(&self, x: &ArrayBase<D, Ix2>) -> Array2<F> {
        features(&self.map, x, self.par)
    }
}

impl<F: Float, T> Transformer<DatasetBase<Array2<F>, T>, DatasetBase<Array2<F>, T>> for Nystroem<F> {
    fn transform(&self, dataset: DatasetBase<Array2<F>, T>) -> DatasetBase<Array2<F>, T> {
        let phi = features(&self.map, &dataset.records, self.par);
        dataset.with_records(phi)
    }
}

/// The hyperparameters of a [`RandomFourierFeatures`] map, checked when it is fitted.
#[derive(Clone, Debug, PartialEq)]
pub struct RandomFourierFeaturesParams<F>(RandomFourierFeaturesValid<F>);

/// Checked [`RandomFourierFeaturesParams`].
#[derive(Clone, Debug, PartialEq)]
pub struct RandomFourierFeaturesValid<F> {
    /// The kernel (its other fields unused).
    spec: FitSpec,
    components: usize,
    orthogonal: bool,
    seed: u64,
    par: Par,
    marker: PhantomData<F>,
}

/// A fitted random Fourier feature map `√(2/M) cos(ωᵀx + b)` for the RBF,
/// Laplacian and Matérn kernels (scikit-learn's `RBFSampler`); fitting reads
/// only the records' width.
///
/// ```
/// use linfa::prelude::*;
/// use ndarray::Array2;
///
/// let x = Array2::from_shape_fn((100, 2), |(i, j)| ((i * 5 + j) % 11) as f64 / 11.0);
/// let map = kern::RandomFourierFeatures::params().components(256).gamma(1.0).seed(7).fit(&DatasetBase::from(x.clone()))?;
/// let phi = map.transform(&x);
/// // φ(x)ᵀφ(x) estimates k(x, x) = 1.
/// let k11: f64 = phi.row(1).dot(&phi.row(1));
/// assert!((k11 - 1.0).abs() < 0.2);
/// # Ok::<(), kern::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct RandomFourierFeatures<F> {
    map: kern_approx::RandomFourierFeatures,
    par: Par,
    marker: PhantomData<F>,
}

impl<F: Float> RandomFourierFeatures<F> {
    /// 100 features of an RBF kernel of gamma `1/n_features`.
    pub fn params() -> RandomFourierFeaturesParams<F> {
        RandomFourierFeaturesParams(RandomFourierFeaturesValid {
            spec: FitSpec::default(),
            components: 100,
            orthogonal: false,
            seed: 0,
            par: default_par(),
            marker: PhantomData,
        })
    }

    /// Features of the map.
    pub fn n_components(&self) -> usize {
        self.map.n_components()
    }

    /// The underlying kern map.
    pub fn map(&self) -> &kern_approx::RandomFourierFeatures {
        &self.map
    }
}

impl<F: Float> RandomFourierFeaturesParams<F> {
    kernel_builder!();

    /// Features (100).
    pub fn components(mut self, components: usize) -> Self {
        self.0.components = components;
        self
    }

    /// Draw directions in orthogonal blocks (radial kernels; lower variance).
    pub fn orthogonal(mut self, orthogonal: bool) -> Self {
        self.0.orthogonal = orthogonal;
        self
    }

    /// Seed of the frequencies and phases (0).
    pub fn seed(mut self, seed: u64) -> Self {
        self.0.seed = seed;
        self
    }
}

impl<F> ParamGuard for RandomFourierFeaturesParams<F> {
    type Checked = RandomFourierFeaturesValid<F>;
    type Error = Error;

    fn check_ref(&self) -> Result<&Self::Checked> {
        // A one-feature map for one-dimensional data checks the kernel and
        // orthogonality; the count is checked against the memory cap at fit.
        check_kernel(&self.0.spec)?;
        check_components(self.0.components)?;
        let kernel = self.0.spec.vector_kernel(1)?;
        kern_approx::RandomFourierFeatures::new(&kernel, 1, 1, self.0.orthogonal, 0)?;
        Ok(&self.0)
    }

    fn check(self) -> Result<Self::Checked> {
        self.check_ref()?;
        Ok(self.0)
    }
}

impl<F: Float, D: Data<Elem = F>, T> Fit<ArrayBase<D, Ix2>, T, Error> for RandomFourierFeaturesValid<F> {
    type Object = RandomFourierFeatures<F>;

    fn fit(&self, dataset: &DatasetBase<ArrayBase<D, Ix2>, T>) -> Result<RandomFourierFeatures<F>> {
        let d = dataset.records().ncols();
        let x = to_dataset(dataset.records())?;
        check_map(&self.spec, Approx::Rff, self.components, &x, self.par)?;
        let kernel = self.spec.vector_kernel(d)?;
        let map = kern_approx::RandomFourierFeatures::new(&kernel, d, self.components, self.orthogonal, self.seed)?;
        Ok(RandomFourierFeatures { map, par: self.par, marker: PhantomData })
    }
}

impl<F: Float, D: Data<Elem = F>> Transformer<&ArrayBase<D, Ix2>, Array2<F>> for RandomFourierFeatures<F> {
    fn transform(&self, x: &ArrayBase<D, Ix2>) -> Array2<F> {
        features(&self.map, x, self.par)
    }
}

impl<F: Float, T> Transformer<DatasetBase<Array2<F>, T>, DatasetBase<Array2<F>, T>> for RandomFourierFeatures<F> {
    fn transform(&self, dataset: DatasetBase<Array2<F>, T>) -> DatasetBase<Array2<F>, T> {
        let phi = features(&self.map, &dataset.records, self.par);
        dataset.with_records(phi)
    }
}
