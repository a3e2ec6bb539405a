//! Probability outputs as LIBSVM computes them: Platt's sigmoid fitted to
//! cross-validated decision values (Lin, Lin & Weng 2007's Newton method),
//! pairwise coupling of the binary probabilities (Wu, Lin & Weng 2004,
//! method 2), and for regression the Laplace scale of the residuals.

/// Fits `P(y = +1 | f) = 1 / (1 + exp(A f + B))` to decision values `dec`
/// with labels `positive`, by Newton's method with backtracking on the
/// regularised targets of Platt (1999). Returns `(A, B)`.
pub fn sigmoid_train(dec: &[f64], positive: &[bool]) -> (f64, f64) {
    let prior1 = positive.iter().filter(|&&p| p).count() as f64;
    let prior0 = positive.len() as f64 - prior1;
    let (max_iter, min_step, sigma, eps) = (100, 1e-10, 1e-12, 1e-5);
    let (hi, lo) = ((prior1 + 1.0) / (prior1 + 2.0), 1.0 / (prior0 + 2.0));
    let t: Vec<f64> = positive.iter().map(|&p| if p { hi } else { lo }).collect();
    let objective = |a: f64, b: f64| -> f64 {
        dec.iter()
            .zip(&t)
            .map(|(&f, &ti)| {
                let z = f * a + b;
                if z >= 0.0 { ti * z + (-z).exp().ln_1p() } else { (ti - 1.0) * z + z.exp().ln_1p() }
            })
            .sum()
    };
    let (mut a, mut b) = (0.0, ((prior0 + 1.0) / (prior1 + 1.0)).ln());
    let mut fval = objective(a, b);
    for _ in 0..max_iter {
        let (mut h11, mut h22, mut h21, mut g1, mut g2) = (sigma, sigma, 0.0, 0.0, 0.0);
        for (&f, &ti) in dec.iter().zip(&t) {
            let z = f * a + b;
            let (p, q) = if z >= 0.0 {
                let e = (-z).exp();
                (e / (1.0 + e), 1.0 / (1.0 + e))
            } else {
                let e = z.exp();
                (1.0 / (1.0 + e), e / (1.0 + e))
            };
            let d2 = p * q;
            h11 += f * f * d2;
            h22 += d2;
            h21 += f * d2;
            let d1 = ti - p;
            g1 += f * d1;
            g2 += d1;
        }
        if g1.abs() < eps && g2.abs() < eps {
            break;
        }
        let det = h11 * h22 - h21 * h21;
        let (da, db) = (-(h22 * g1 - h21 * g2) / det, -(-h21 * g1 + h11 * g2) / det);
        let gd = g1 * da + g2 * db;
        let mut step = 1.0;
        while step >= min_step {
            let (na, nb) = (a + step * da, b + step * db);
            let nf = objective(na, nb);
            if nf < fval + 1e-4 * step * gd {
                (a, b, fval) = (na, nb, nf);
                break;
            }
            step /= 2.0;
        }
        if step < min_step {
            break; // the line search failed: keep the last point, as LIBSVM
        }
    }
    (a, b)
}

/// `1 / (1 + exp(A f + B))`, computed without overflow.
pub fn sigmoid_predict(f: f64, a: f64, b: f64) -> f64 {
    let z = f * a + b;
    if z >= 0.0 { (-z).exp() / (1.0 + (-z).exp()) } else { 1.0 / (1.0 + z.exp()) }
}

/// Class probabilities from pairwise ones: `r[i][j]` estimates
/// `P(y = i | y ∈ {i, j})` (with `r[j][i] = 1 − r[i][j]`).
pub fn multiclass_probability(r: &[Vec<f64>]) -> Vec<f64> {
    let k = r.len();
    let max_iter = 100.max(k);
    let eps = 0.005 / k as f64;
    let mut q = vec![vec![0.0; k]; k];
    for t in 0..k {
        for j in 0..k {
            if j == t {
                continue;
            }
            q[t][t] += r[j][t] * r[j][t];
            q[t][j] = -r[j][t] * r[t][j];
        }
    }
    let mut p = vec![1.0 / k as f64; k];
    let mut qp = vec![0.0; k];
    for _ in 0..max_iter {
        let mut pqp = 0.0;
        for t in 0..k {
            qp[t] = (0..k).map(|j| q[t][j] * p[j]).sum();
            pqp += p[t] * qp[t];
        }
        let max_error = (0..k).map(|t| (qp[t] - pqp).abs()).fold(0.0, f64::max);
        if max_error < eps {
            break;
        }
        for t in 0..k {
            let diff = (-qp[t] + pqp) / q[t][t];
            p[t] += diff;
            pqp = (pqp + diff * (diff * q[t][t] + 2.0 * qp[t])) / ((1.0 + diff) * (1.0 + diff));
            for j in 0..k {
                qp[j] = (qp[j] + diff * q[t][j]) / (1.0 + diff);
                p[j] /= 1.0 + diff;
            }
        }
    }
    p
}

/// The Laplace scale of regression residuals, LIBSVM's way: the mean
/// absolute residual, ignoring those beyond five standard deviations of a
/// Laplace with that mean.
pub fn laplace_scale(residuals: &[f64]) -> f64 {
    let mae = residuals.iter().map(|r| r.abs()).sum::<f64>() / residuals.len() as f64;
    let std = (2.0 * mae * mae).sqrt();
    let kept: Vec<f64> = residuals.iter().map(|r| r.abs()).filter(|&r| r <= 5.0 * std).collect();
    kept.iter().sum::<f64>() / kept.len().max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fitted_sigmoid_zeroes_the_likelihood_gradient() {
        let dec: Vec<f64> = (0..200).map(|i| (i as f64 - 100.0) / 30.0).collect();
        // Noisy labels: positive mostly for positive decision values.
        let positive: Vec<bool> =
            (0..200).map(|i| (i * 7919 % 13) as f64 / 13.0 < 1.0 / (1.0 + (-(dec[i] * 1.5)).exp())).collect();
        let (a, b) = sigmoid_train(&dec, &positive);
        assert!(a < 0.0, "probabilities rise with the decision value");
        let n1 = positive.iter().filter(|&&p| p).count() as f64;
        let n0 = 200.0 - n1;
        let (g1, g2) = dec.iter().zip(&positive).fold((0.0, 0.0), |(g1, g2), (&f, &p)| {
            let t = if p { (n1 + 1.0) / (n1 + 2.0) } else { 1.0 / (n0 + 2.0) };
            let d = t - sigmoid_predict(f, a, b);
            (g1 + f * d, g2 + d)
        });
        assert!(g1.abs() < 1e-5 && g2.abs() < 1e-5, "gradient ({g1}, {g2})");
    }

    #[test]
    fn coupling_recovers_consistent_pairwise_probabilities() {
        let truth = [0.5, 0.3, 0.15, 0.05];
        let r: Vec<Vec<f64>> = (0..4)
            .map(|i| (0..4).map(|j| if i == j { 0.0 } else { truth[i] / (truth[i] + truth[j]) }).collect())
            .collect();
        let p = multiclass_probability(&r);
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        for (pi, ti) in p.iter().zip(truth) {
            assert!((pi - ti).abs() < 1e-3, "{p:?}");
        }
    }

    #[test]
    fn laplace_scale_ignores_outliers() {
        let mut res: Vec<f64> = (0..100).map(|i| if i % 2 == 0 { 1.0 } else { -1.0 }).collect();
        res.push(1e6);
        assert!((laplace_scale(&res) - 1.0).abs() < 1e-12);
    }
}
