//! The CUDA formula, compiled by the host's C++ compiler (the source is
//! plain C++ apart from `__device__`) and checked against the Rust formula
//! the CPU emulation uses. Skips when there is no `c++` on the machine.

use std::io::Write;
use std::process::{Command, Stdio};

use kern_gpu::{APPLY_SOURCE, TileKernel};
use kern_kernels::VectorKernel;

const HARNESS: &str = r#"
#include <cstdio>
int main() {
    int kind, self_pair, degree;
    double v, na, nb, gamma, coef0, scale;
    while (std::scanf("%d %lf %lf %lf %d %lf %lf %d %lf", &kind, &v, &na, &nb, &self_pair, &gamma, &coef0, &degree, &scale) == 9) {
        T r = kern_apply((T)v, (T)na, (T)nb, self_pair, kind, (T)gamma, (T)coef0, degree, (T)scale);
        std::printf("%.17g\n", (double)r);
    }
}
"#;

fn compile(double: bool, dir: &std::path::Path) -> Option<std::path::PathBuf> {
    let prelude = if double {
        "typedef double T;\n#define EXP std::exp\n#define SQRT std::sqrt\n#define TANH std::tanh\n"
    } else {
        "typedef float T;\n#define EXP std::exp\n#define SQRT std::sqrt\n#define TANH std::tanh\n"
    };
    let source = format!("#include <cmath>\n#define __device__\n{prelude}{APPLY_SOURCE}{HARNESS}");
    let name = if double { "apply64" } else { "apply32" };
    let cpp = dir.join(format!("{name}.cpp"));
    std::fs::write(&cpp, source).unwrap();
    let exe = dir.join(name);
    match Command::new("c++").arg("-O1").arg("-o").arg(&exe).arg(&cpp).status() {
        Ok(status) => {
            assert!(status.success(), "the CUDA formula does not compile as C++");
            Some(exe)
        }
        Err(_) => None,
    }
}

#[test]
fn the_cuda_formula_equals_the_rust_formula() {
    let dir = std::env::temp_dir().join(format!("kern-gpu-source-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let kernels = [
        VectorKernel::Linear,
        VectorKernel::Polynomial { gamma: 0.3, coef0: 1.0, degree: 4 },
        VectorKernel::Sigmoid { gamma: 0.2, coef0: -0.5 },
        VectorKernel::Rbf { gamma: 0.7 },
        VectorKernel::Laplacian { gamma: 0.4 },
        VectorKernel::Matern12 { lengthscale: 1.3 },
        VectorKernel::Matern32 { lengthscale: 0.8 },
        VectorKernel::Scaled { scale: 3.0, kernel: Box::new(VectorKernel::Matern52 { lengthscale: 2.0 }) },
    ];
    // (v, ‖x‖², ‖y‖², self pair): v is ⟨x, y⟩, or the distance for L1/Matérn.
    let points = [
        (0.5, 1.0, 2.0, false),
        (1.9, 2.0, 2.0, false),
        (2.0, 2.0, 2.0, true),
        (0.0, 0.0, 0.0, false),
        (3.5, 4.0, 9.0, false),
        (-1.2, 3.0, 1.0, false),
    ];
    for (double, tol) in [(true, 1e-13), (false, 1e-6)] {
        let Some(exe) = compile(double, &dir) else {
            eprintln!("skipped: no c++ compiler to build the CUDA formula on the host");
            return;
        };
        let mut input = String::new();
        let mut expected = Vec::new();
        for k in &kernels {
            let t = TileKernel::from_vector(k).unwrap();
            for &(v, na, nb, self_pair) in &points {
                input += &format!(
                    "{} {v} {na} {nb} {} {} {} {} {}\n",
                    t.kind,
                    i32::from(self_pair),
                    t.gamma,
                    t.coef0,
                    t.degree,
                    t.scale
                );
                expected.push((format!("{k:?} at {v}, {na}, {nb}, {self_pair}"), t.apply_pair(v, na, nb, self_pair)));
            }
        }
        let mut child = Command::new(&exe).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
        let output = child.wait_with_output().unwrap();
        let got: Vec<f64> = String::from_utf8(output.stdout).unwrap().lines().map(|l| l.parse().unwrap()).collect();
        assert_eq!(got.len(), expected.len());
        for ((what, want), got) in expected.iter().zip(&got) {
            let err = (got - want).abs() / want.abs().max(1e-300);
            assert!(err < tol || (got - want).abs() < 1e-300, "{what}: C++ {got}, Rust {want} (double: {double})");
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}
