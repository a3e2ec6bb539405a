//! A one-dimensional maximiser for the fixed-kernel fits: a coarse grid
//! over the whole interval (the likelihood in a log-scale parameter can have
//! more than one local maximum), then golden-section search in the grid
//! cell pair around the best point.

/// `(√5 − 1) / 2`.
const GOLDEN: f64 = 0.618_033_988_749_895;

/// Maximises `f` over `[lo, hi]`: `grid` equally spaced points (at least
/// 3), then golden-section search around the best until the bracket is
/// narrower than `tol`. Points where `f` is not finite count as −∞.
/// Returns the best point, its value and the evaluations spent.
///
/// ```
/// use kern_solvers::gp::maximize_on_interval;
/// let (x, fx, _) = maximize_on_interval(|x| -(x - 0.3) * (x - 0.3), -2.0, 2.0, 9, 1e-8);
/// assert!((x - 0.3).abs() < 1e-7 && fx <= 0.0);
/// ```
pub fn maximize_on_interval(
    mut f: impl FnMut(f64) -> f64,
    lo: f64,
    hi: f64,
    grid: usize,
    tol: f64,
) -> (f64, f64, usize) {
    let mut value = |x: f64| {
        let v = f(x);
        if v.is_nan() { f64::NEG_INFINITY } else { v }
    };
    let grid = grid.max(3);
    let step = (hi - lo) / (grid - 1) as f64;
    let points: Vec<f64> = (0..grid).map(|i| if i + 1 == grid { hi } else { lo + i as f64 * step }).collect();
    let values: Vec<f64> = points.iter().map(|&x| value(x)).collect();
    let mut evaluations = grid;
    let best = (0..grid).fold(0, |b, i| if values[i] > values[b] { i } else { b });
    let (mut best_x, mut best_f) = (points[best], values[best]);
    if !best_f.is_finite() {
        return (best_x, best_f, evaluations);
    }
    let (mut a, mut b) = (points[best.saturating_sub(1)], points[(best + 1).min(grid - 1)]);
    let mut c = b - GOLDEN * (b - a);
    let mut d = a + GOLDEN * (b - a);
    let (mut fc, mut fd) = (value(c), value(d));
    evaluations += 2;
    while b - a > tol {
        if fc >= fd {
            (b, d, fd) = (d, c, fc);
            c = b - GOLDEN * (b - a);
            fc = value(c);
        } else {
            (a, c, fc) = (c, d, fd);
            d = a + GOLDEN * (b - a);
            fd = value(d);
        }
        evaluations += 1;
    }
    for (x, fx) in [(c, fc), (d, fd)] {
        if fx > best_f {
            (best_x, best_f) = (x, fx);
        }
    }
    (best_x, best_f, evaluations)
}

#[cfg(test)]
mod tests {
    use super::maximize_on_interval;

    #[test]
    fn finds_the_global_maximum_of_a_two_peaked_function_and_the_ends() {
        // A low peak at −1 and a high one at 1.5.
        let f = |x: f64| (-(x + 1.0).powi(2) * 4.0).exp() + 2.0 * (-(x - 1.5).powi(2) * 4.0).exp();
        let (x, fx, _) = maximize_on_interval(f, -3.0, 3.0, 13, 1e-9);
        assert!((x - 1.5).abs() < 1e-4, "{x}");
        assert!(fx >= f(1.5) - 1e-12);
        // Monotone: the maximum is at an end.
        let (x, _, _) = maximize_on_interval(|x| x, -1.0, 2.0, 5, 1e-9);
        assert_eq!(x, 2.0);
        let (x, _, _) = maximize_on_interval(|x| -x, -1.0, 2.0, 5, 1e-9);
        assert_eq!(x, -1.0);
        // NaN counts as −∞.
        let (x, _, _) = maximize_on_interval(|x| if x > 0.0 { f64::NAN } else { x }, -1.0, 1.0, 5, 1e-9);
        assert!(x.abs() < 1e-8);
    }
}
