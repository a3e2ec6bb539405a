//! The kernels a GPU tile computes, as one element-wise formula applied after
//! the GEMM (or the L1-distance pass), in Rust for the CPU emulation and in
//! CUDA C for NVRTC. Both are written from the same table of formulas.

use kern_kernels::VectorKernel;

use crate::GpuError;

/// What a tile's first pass computes before the element-wise formula.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FirstPass {
    /// `⟨x, y⟩` by GEMM; the formula also sees `‖x‖²` and `‖y‖²`.
    InnerProduct,
    /// `‖x − y‖₁` by the tiled distance kernel.
    L1Distance,
    /// `‖x − y‖²` by the tiled distance kernel. Matérn's square root turns
    /// the norm expansion's round-off on near neighbours (√1e-7 in f32) into
    /// errors of 3e-4; differences summed directly have none.
    SquaredDistance,
}

/// A vector kernel in the form a GPU tile computes: `scale · f(v, ‖x‖², ‖y‖²)`
/// where `v` is the first pass's value.
///
/// ```
/// use kern_gpu::TileKernel;
/// use kern_kernels::VectorKernel;
/// let k = TileKernel::from_vector(&VectorKernel::Rbf { gamma: 0.5 }).unwrap();
/// // ‖x‖² = 1, ‖y‖² = 4, ⟨x, y⟩ = 2: ‖x − y‖² = 1.
/// assert!((k.apply(2.0, 1.0, 4.0) - (-0.5f64).exp()).abs() < 1e-15);
/// assert!(TileKernel::from_vector(&VectorKernel::ArdRbf { lengthscales: vec![1.0] }).is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TileKernel {
    /// Which formula (the `KIND_*` constants of the CUDA source).
    pub kind: i32,
    pub gamma: f64,
    pub coef0: f64,
    pub degree: i32,
    pub scale: f64,
}

// The formula numbers shared with the CUDA source.
const KIND_LINEAR: i32 = 0;
const KIND_POLY: i32 = 1;
const KIND_SIGMOID: i32 = 2;
const KIND_RBF: i32 = 3;
const KIND_LAPLACIAN: i32 = 4;
const KIND_MATERN12: i32 = 5;
const KIND_MATERN32: i32 = 6;
const KIND_MATERN52: i32 = 7;

impl TileKernel {
    /// The tile form of `kernel`, or why it has none.
    pub fn from_vector(kernel: &VectorKernel) -> Result<Self, GpuError> {
        use VectorKernel::*;
        let k = |kind, gamma, coef0, degree| Ok(Self { kind, gamma, coef0, degree, scale: 1.0 });
        match kernel {
            Linear => k(KIND_LINEAR, 0.0, 0.0, 0),
            Polynomial { gamma, coef0, degree } => {
                let degree = i32::try_from(*degree).map_err(|_| GpuError::UnsupportedKernel("huge-degree".into()))?;
                k(KIND_POLY, *gamma, *coef0, degree)
            }
            Sigmoid { gamma, coef0 } => k(KIND_SIGMOID, *gamma, *coef0, 0),
            Rbf { gamma } => k(KIND_RBF, *gamma, 0.0, 0),
            Laplacian { gamma } => k(KIND_LAPLACIAN, *gamma, 0.0, 0),
            // Matérn's `r/ℓ` is computed as `r · gamma` with gamma = 1/ℓ.
            Matern12 { lengthscale } => k(KIND_MATERN12, 1.0 / lengthscale, 0.0, 0),
            Matern32 { lengthscale } => k(KIND_MATERN32, 1.0 / lengthscale, 0.0, 0),
            Matern52 { lengthscale } => k(KIND_MATERN52, 1.0 / lengthscale, 0.0, 0),
            Scaled { scale, kernel } => Self::from_vector(kernel).map(|t| Self { scale: t.scale * scale, ..t }),
            other => Err(GpuError::UnsupportedKernel(other.name().to_string())),
        }
    }

    /// The first pass this kernel needs.
    pub fn first_pass(&self) -> FirstPass {
        match self.kind {
            KIND_LAPLACIAN => FirstPass::L1Distance,
            KIND_MATERN12 | KIND_MATERN32 | KIND_MATERN52 => FirstPass::SquaredDistance,
            _ => FirstPass::InnerProduct,
        }
    }

    /// The element-wise formula in f64: `v` is the first pass's value, `na`
    /// and `nb` the squared norms.
    pub fn apply(&self, v: f64, na: f64, nb: f64) -> f64 {
        self.apply_pair(v, na, nb, false)
    }

    /// [`apply`](Self::apply) for a pair that may be a sample with itself,
    /// whose distance is exactly 0 (the norm expansion leaves round-off
    /// that Matérn's square root would magnify). The CUDA source's
    /// `kern_apply` is the same formula line by line.
    pub fn apply_pair(&self, v: f64, na: f64, nb: f64, self_pair: bool) -> f64 {
        let d2 = match self.first_pass() {
            _ if self_pair => 0.0,
            FirstPass::SquaredDistance => v.max(0.0),
            _ => (na + nb - 2.0 * v).max(0.0),
        };
        let distance = || d2.sqrt() * self.gamma;
        let value = match self.kind {
            KIND_LINEAR => v,
            KIND_POLY => (self.gamma * v + self.coef0).powi(self.degree),
            KIND_SIGMOID => (self.gamma * v + self.coef0).tanh(),
            KIND_RBF => (-self.gamma * d2).exp(),
            KIND_LAPLACIAN => (-self.gamma * v).exp(),
            KIND_MATERN12 => (-distance()).exp(),
            KIND_MATERN32 => {
                let a = 3f64.sqrt() * distance();
                (1.0 + a) * (-a).exp()
            }
            _ => {
                let a = 5f64.sqrt() * distance();
                (1.0 + a + a * a / 3.0) * (-a).exp()
            }
        };
        self.scale * value
    }
}

/// The element-wise formula in CUDA C for scalar type `T` and the math
/// functions `EXP`, `SQRT`, `TANH` (defined by the caller for `T`). Plain C++ as well, so a test compiles it with the host
/// compiler and checks it against [`TileKernel::apply`].
pub const APPLY_SOURCE: &str = r#"
__device__ T kern_apply(T v, T na, T nb, int self_pair, int kind, T gamma, T coef0, int degree, T scale) {
    // Matern kinds (5-7) get the squared distance itself from the first pass.
    T d2 = kind >= 5 ? v : na + nb - (T)2 * v;
    if (d2 < (T)0 || self_pair) d2 = (T)0;
    T a, value;
    switch (kind) {
    case 0: value = v; break;
    case 1: {
        T base = gamma * v + coef0;
        value = (T)1;
        for (int i = 0; i < degree; ++i) value *= base;
        break;
    }
    case 2: value = TANH(gamma * v + coef0); break;
    case 3: value = EXP(-gamma * d2); break;
    case 4: value = EXP(-gamma * v); break;
    case 5: value = EXP(-SQRT(d2) * gamma); break;
    case 6: a = SQRT((T)3) * SQRT(d2) * gamma; value = ((T)1 + a) * EXP(-a); break;
    default: a = SQRT((T)5) * SQRT(d2) * gamma; value = ((T)1 + a + a * a / (T)3) * EXP(-a); break;
    }
    return scale * value;
}
"#;

/// The device kernels: the element-wise pass over a column-major tile, the
/// tiled L1 or squared distance, a row gather with squared norms, and row norms.
pub const KERNELS_SOURCE: &str = r#"
// A block covers a patch of bx rows by by columns (bx * by threads, bx a power
// of two up to the tile's height), so that thin tiles such as SMO's 2 x n
// rows keep every lane busy and no thread divides to find its row and column.
extern "C" __global__ void kern_epilogue(T* k, const T* na, const T* nb, const int* ia, const int* ib,
                                         int same, int rows, int cols,
                                         int kind, T gamma, T coef0, int degree, T scale) {
    int r = blockIdx.x * blockDim.x + threadIdx.x;
    if (r >= rows) return;
    T nar = na[r];
    int iar = same ? ia[r] : 0;
    for (int c = blockIdx.y * blockDim.y + threadIdx.y; c < cols; c += gridDim.y * blockDim.y) {
        long at = (long)c * rows + r;
        int self_pair = same && iar == ib[c];
        k[at] = kern_apply(k[at], nar, nb[c], self_pair, kind, gamma, coef0, degree, scale);
    }
}

#define L1_TILE 16
// Sums |a - b| (squared = 0) or (a - b)^2 (squared = 1) over the features.
extern "C" __global__ void kern_distance(const T* a, const T* b, int rows, int cols, int d, int squared, T* out) {
    __shared__ T as[L1_TILE][L1_TILE + 1];
    __shared__ T bs[L1_TILE][L1_TILE + 1];
    // Columns on the grid's x axis (up to 2^31 - 1 blocks), rows on y.
    int tx = threadIdx.x, ty = threadIdx.y;
    int r = blockIdx.y * L1_TILE + tx;
    int c = blockIdx.x * L1_TILE + ty;
    T acc = (T)0;
    for (int k0 = 0; k0 < d; k0 += L1_TILE) {
        int ar = blockIdx.y * L1_TILE + ty, bc = blockIdx.x * L1_TILE + ty, kk = k0 + tx;
        as[ty][tx] = (ar < rows && kk < d) ? a[(long)ar * d + kk] : (T)0;
        bs[ty][tx] = (bc < cols && kk < d) ? b[(long)bc * d + kk] : (T)0;
        __syncthreads();
        for (int k = 0; k < L1_TILE; ++k) {
            T diff = as[tx][k] - bs[ty][k];
            acc += squared ? diff * diff : FABS(diff);
        }
        __syncthreads();
    }
    if (r < rows && c < cols) out[(long)c * rows + r] = acc;
}

extern "C" __global__ void kern_gather(const T* data, const T* norms, const int* idx, int count, int d,
                                       T* out, T* out_norms) {
    for (int i = blockIdx.x; i < count; i += gridDim.x) {
        const T* src = data + (long)idx[i] * d;
        T* dst = out + (long)i * d;
        for (int j = threadIdx.x; j < d; j += blockDim.x) dst[j] = src[j];
        if (threadIdx.x == 0) out_norms[i] = norms[idx[i]];
    }
}

extern "C" __global__ void kern_row_norms(const T* x, int rows, int d, T* out) {
    __shared__ T partial[256];
    for (int i = blockIdx.x; i < rows; i += gridDim.x) {
        T s = (T)0;
        for (int j = threadIdx.x; j < d; j += blockDim.x) { T v = x[(long)i * d + j]; s += v * v; }
        partial[threadIdx.x] = s;
        __syncthreads();
        for (int w = blockDim.x / 2; w > 0; w /= 2) {
            if (threadIdx.x < w) partial[threadIdx.x] += partial[threadIdx.x + w];
            __syncthreads();
        }
        if (threadIdx.x == 0) out[i] = partial[0];
        __syncthreads();
    }
}
"#;

/// The full NVRTC source for `float` or `double`.
pub fn cuda_source(double: bool) -> String {
    // NVRTC has the single- and double-precision math functions by name;
    // macros pick them so that float tiles never round-trip through double.
    let prelude = if double {
        "typedef double T;\n#define EXP exp\n#define SQRT sqrt\n#define TANH tanh\n#define FABS fabs\n"
    } else {
        "typedef float T;\n#define EXP expf\n#define SQRT sqrtf\n#define TANH tanhf\n#define FABS fabsf\n"
    };
    format!("{prelude}{APPLY_SOURCE}\n{KERNELS_SOURCE}")
}
