//! A kernel by name and its parameters, and the kernel it builds on vectors,
//! sequences or graphs (defaults filled from the training samples).

use kern_kernels::{Graph, GraphKernel, Graphs, Sequences, StringKernel, VectorKernel};

use crate::error::{Error, Result};
use crate::io::SampleKind;

/// The kernels, by their command-line names.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum KernelName {
    /// exp(-gamma |x-y|^2)
    #[default]
    Rbf,
    /// <x, y>
    Linear,
    /// (gamma <x, y> + coef0)^degree
    Poly,
    /// tanh(gamma <x, y> + coef0)
    Sigmoid,
    /// exp(-gamma |x-y|_1)
    Laplacian,
    /// Matérn nu=1/2 with --lengthscale
    Matern12,
    /// Matérn nu=3/2 with --lengthscale
    Matern32,
    /// Matérn nu=5/2 with --lengthscale
    Matern52,
    /// Kernel values in the data (LIBSVM's -t 4): rows "label 0:i 1:K(xi,x1) ... L:K(xi,xL)"
    Precomputed,
    /// Strings: shared k-mers (--k, default 3)
    Spectrum,
    /// Strings: shared k-mers up to --m mismatches (--k default 5, --m default 1, --alphabet default: the training letters)
    Mismatch,
    /// Strings: weighted degree, k-mers up to --degree at equal positions, or up to --shift apart
    Wd,
    /// Strings: common subsequences of length --k (default 3), gaps decayed by --lambda (default 0.5)
    Ssk,
    /// Graphs: Weisfeiler-Lehman subtrees of --h rounds (default 5)
    Wl,
    /// Graphs: shortest-path lengths by end labels
    Sp,
    /// Graphs: geometric random walks weighted --lambda^length [default: 0.5 / (largest degree)^2]
    Rw,
}

impl KernelName {
    /// The command-line name.
    pub fn name(self) -> &'static str {
        match self {
            KernelName::Rbf => "rbf",
            KernelName::Linear => "linear",
            KernelName::Poly => "poly",
            KernelName::Sigmoid => "sigmoid",
            KernelName::Laplacian => "laplacian",
            KernelName::Matern12 => "matern12",
            KernelName::Matern32 => "matern32",
            KernelName::Matern52 => "matern52",
            KernelName::Precomputed => "precomputed",
            KernelName::Spectrum => "spectrum",
            KernelName::Mismatch => "mismatch",
            KernelName::Wd => "wd",
            KernelName::Ssk => "ssk",
            KernelName::Wl => "wl",
            KernelName::Sp => "sp",
            KernelName::Rw => "rw",
        }
    }

    /// What the kernel takes.
    pub fn takes(self) -> SampleKind {
        match self {
            KernelName::Spectrum | KernelName::Mismatch | KernelName::Wd | KernelName::Ssk => SampleKind::Sequences,
            KernelName::Wl | KernelName::Sp | KernelName::Rw => SampleKind::Graphs,
            _ => SampleKind::Vectors,
        }
    }

    /// Whether it is a Matérn kernel (parameterised by a lengthscale).
    pub fn is_matern(self) -> bool {
        matches!(self, KernelName::Matern12 | KernelName::Matern32 | KernelName::Matern52)
    }
}

/// A kernel by name and every parameter a kernel may take; each kernel reads
/// its own and the defaults fill the rest.
#[derive(Clone, Debug, PartialEq)]
pub struct KernelSpec {
    /// Which kernel.
    pub name: KernelName,
    /// Coefficient of rbf, poly, sigmoid and laplacian [default: 1/n_features].
    pub gamma: Option<f64>,
    /// Degree of poly; the largest k-mer of wd.
    pub degree: u32,
    /// Constant term of poly and sigmoid.
    pub coef0: f64,
    /// Lengthscale of the Matérn kernels [default: 1/sqrt(2 gamma)].
    pub lengthscale: Option<f64>,
    /// k-mer or subsequence length of spectrum, mismatch and ssk [default: 3; mismatch 5].
    pub k: Option<usize>,
    /// Mismatches the mismatch kernel allows.
    pub mismatches: usize,
    /// Letters the mismatch kernel substitutes [default: the training letters].
    pub alphabet: Option<String>,
    /// Largest shift of wd.
    pub shift: usize,
    /// Weisfeiler-Lehman rounds of wl.
    pub wl_rounds: usize,
    /// Gap decay of ssk, or walk-length decay of rw.
    pub lambda: Option<f64>,
    /// Cosine normalisation of string and graph kernels.
    pub normalize: bool,
}

impl Default for KernelSpec {
    fn default() -> Self {
        Self {
            name: KernelName::Rbf,
            gamma: None,
            degree: 3,
            coef0: 0.0,
            lengthscale: None,
            k: None,
            mismatches: 1,
            alphabet: None,
            shift: 0,
            wl_rounds: 5,
            lambda: None,
            normalize: true,
        }
    }
}

impl KernelSpec {
    /// The kernel on vectors of `n_features` features; defaults as LIBSVM's.
    pub fn vector(&self, n_features: usize) -> Result<VectorKernel> {
        let default_gamma = if n_features > 0 { 1.0 / n_features as f64 } else { 1.0 };
        let gamma = self.gamma.unwrap_or(default_gamma);
        let name = self.name;
        if self.lengthscale.is_some() && !name.is_matern() {
            return Err(Error::Usage(format!(
                "--lengthscale applies to the Matérn kernels; the {} kernel takes -g/--gamma",
                name.name()
            )));
        }
        if name.is_matern() && self.gamma.is_some() && self.lengthscale.is_some() {
            return Err(Error::Usage("give either --lengthscale or -g/--gamma for a Matérn kernel, not both".into()));
        }
        // gamma = 1 / (2 l^2): the RBF with lengthscale l.
        let lengthscale = self.lengthscale.unwrap_or_else(|| 1.0 / (2.0 * gamma).sqrt());
        let kernel = match name {
            KernelName::Rbf => VectorKernel::Rbf { gamma },
            KernelName::Linear => VectorKernel::Linear,
            KernelName::Poly => VectorKernel::Polynomial { gamma, coef0: self.coef0, degree: self.degree },
            KernelName::Sigmoid => VectorKernel::Sigmoid { gamma, coef0: self.coef0 },
            KernelName::Laplacian => VectorKernel::Laplacian { gamma },
            KernelName::Matern12 => VectorKernel::Matern12 { lengthscale },
            KernelName::Matern32 => VectorKernel::Matern32 { lengthscale },
            KernelName::Matern52 => VectorKernel::Matern52 { lengthscale },
            KernelName::Precomputed => VectorKernel::Precomputed,
            other => return Err(wrong_samples(other, SampleKind::Vectors)),
        };
        kernel.validate(n_features)?;
        Ok(kernel)
    }

    /// The string kernel, its defaults filled from the training sequences
    /// (the mismatch kernel's alphabet).
    pub fn string(&self, train: &Sequences) -> Result<StringKernel> {
        let normalize = self.normalize;
        let kernel = match self.name {
            KernelName::Spectrum => StringKernel::Spectrum { k: self.k.unwrap_or(3), normalize },
            KernelName::Mismatch => StringKernel::Mismatch {
                k: self.k.unwrap_or(5),
                m: self.mismatches,
                alphabet: self.alphabet.as_ref().map_or_else(|| train.alphabet(), |a| a.as_bytes().to_vec()),
                normalize,
            },
            KernelName::Wd => {
                StringKernel::WeightedDegree { degree: self.degree as usize, shift: self.shift, normalize }
            }
            KernelName::Ssk => {
                StringKernel::Subsequence { k: self.k.unwrap_or(3), lambda: self.lambda.unwrap_or(0.5), normalize }
            }
            other => return Err(wrong_samples(other, SampleKind::Sequences)),
        };
        kernel.validate()?;
        Ok(kernel)
    }

    /// The graph kernel; the random walk's λ defaults to half the largest
    /// that converges on the training graphs.
    pub fn graph(&self, train: &Graphs) -> Result<GraphKernel> {
        let normalize = self.normalize;
        let kernel = match self.name {
            KernelName::Wl => GraphKernel::WeisfeilerLehman { h: self.wl_rounds, normalize },
            KernelName::Sp => GraphKernel::ShortestPath { normalize },
            KernelName::Rw => {
                let delta = train.iter().map(Graph::max_degree).max().unwrap_or(1).max(1) as f64;
                GraphKernel::RandomWalk { lambda: self.lambda.unwrap_or(0.5 / (delta * delta)), normalize }
            }
            other => return Err(wrong_samples(other, SampleKind::Graphs)),
        };
        kernel.check(train)?;
        Ok(kernel)
    }

    /// Whether a Gaussian process fits the kernel hyperparameter `name`:
    /// gamma unless given, a lengthscale unless it or gamma is given,
    /// anything else (coef0) held.
    pub fn fits(&self, name: &str) -> bool {
        if name.ends_with("gamma") {
            self.gamma.is_none()
        } else if name.ends_with("lengthscale") || name.contains(".lengthscale.") {
            self.gamma.is_none() && self.lengthscale.is_none()
        } else {
            false
        }
    }
}

/// A kernel asked of samples it does not take.
fn wrong_samples(kernel: KernelName, data: SampleKind) -> Error {
    let hint = match data {
        SampleKind::Vectors => " (give --format fasta, seqcsv or tu, or a file of that kind)",
        _ => "",
    };
    let (name, takes) = (kernel.name(), kernel.takes().name());
    Error::Usage(format!("--kernel {name} does not take {}: it takes {takes}{hint}", data.name()))
}

/// `amplitude × base` (amplitude 1 when not given) and which of its
/// hyperparameters a GP fits: the amplitude when not given, then each of
/// `base`'s as `fitted(name)` says.
pub(crate) fn scaled_covariance(
    base: VectorKernel,
    amplitude: Option<f64>,
    fitted: impl Fn(&str) -> bool,
) -> (VectorKernel, Vec<bool>) {
    let mut fit = vec![amplitude.is_none()];
    fit.extend(base.hyperparameters().iter().map(|h| fitted(&h.name)));
    (VectorKernel::Scaled { scale: amplitude.unwrap_or(1.0), kernel: Box::new(base) }, fit)
}
