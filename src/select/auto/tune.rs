//! A coarse-to-fine search over log2 C and log2 gamma by cross-validation.
//!
//! 1. Coarse: gamma columns at the median-heuristic centre `g0 + {−4, −2, 0, 2}`;
//!    down each column C climbs `2^-5, 2^-3, …, 2^15` (grid.py's range) and
//!    stops early once the column's score has not improved for
//!    [`PATIENCE`] steps: large C is where SMO spends its time, and past the
//!    peak it only overfits. The columns climb together, one C per round,
//!    so every round's fits run in parallel.
//! 2. When the best gamma is an end column, one more column beyond it (at
//!    most [`MAX_EXTENSIONS`] per side).
//! 3. Fine: the eight neighbours of the best point at half the coarse step.
//!
//! The search only proposes points; `evaluate` scores them (in parallel,
//! sharing kernel matrices), so this logic is tested on its own.

use crate::error::Result;
use crate::select::CvScore;

/// log2 C of the coarse sweep: grid.py's −5 to 15, step 2.
const LOG2_C: (i32, i32, i32) = (-5, 15, 2);
/// Offsets of the first gamma columns from the centre (log2).
const GAMMA_OFFSETS: [f64; 4] = [-4.0, -2.0, 0.0, 2.0];
/// Steps without improvement before a column stops climbing C.
pub(crate) const PATIENCE: usize = 2;
/// Extra gamma columns at most, per side.
const MAX_EXTENSIONS: usize = 3;

/// A point of the search in log2; `None` where the option is not searched.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Point {
    pub log2c: Option<f64>,
    pub log2g: Option<f64>,
}

/// Every point scored, and the best.
#[derive(Debug)]
pub(crate) struct Outcome {
    pub tried: Vec<(Point, CvScore)>,
    pub best: usize,
    /// Folds of the cross-validation (set by the caller that scored).
    pub folds: usize,
}

impl Outcome {
    /// The best point and its score.
    pub fn best(&self) -> &(Point, CvScore) {
        &self.tried[self.best]
    }
}

/// Searches C (when `tune_c`) and gamma (around log2 centre `gamma`, when
/// given) with `evaluate`, which scores a batch of points.
pub(crate) fn coarse_to_fine(
    tune_c: bool,
    gamma: Option<f64>,
    evaluate: impl FnMut(&[Point]) -> Result<Vec<CvScore>>,
) -> Result<Outcome> {
    let mut search = Climb { tried: Vec::new(), evaluate };
    let columns: Vec<Option<f64>> = match gamma {
        Some(g0) => GAMMA_OFFSETS.iter().map(|o| Some(g0 + o)).collect(),
        None => vec![None],
    };
    search.climb(tune_c, &columns)?;
    if let Some(g0) = gamma {
        let (mut low, mut high) = (0, 0);
        loop {
            let best = search.best_point().log2g.expect("gamma searched");
            let (lo, hi) = (g0 + GAMMA_OFFSETS[0] - 2.0 * low as f64, g0 + GAMMA_OFFSETS[3] + 2.0 * high as f64);
            if best <= lo && low < MAX_EXTENSIONS {
                low += 1;
                search.climb(tune_c, &[Some(lo - 2.0)])?;
            } else if best >= hi && high < MAX_EXTENSIONS {
                high += 1;
                search.climb(tune_c, &[Some(hi + 2.0)])?;
            } else {
                break;
            }
        }
    }
    // Fine: the neighbours at half the coarse step.
    let best = search.best_point();
    let steps = [-1.0, 0.0, 1.0];
    let mut fine = Vec::new();
    for dc in if tune_c { &steps[..] } else { &steps[1..2] } {
        for dg in if gamma.is_some() { &steps[..] } else { &steps[1..2] } {
            let p = Point { log2c: best.log2c.map(|c| c + dc), log2g: best.log2g.map(|g| g + dg) };
            if !search.tried.iter().any(|(q, _)| *q == p) {
                fine.push(p);
            }
        }
    }
    search.score(&fine)?;
    let best = search.best();
    Ok(Outcome { tried: search.tried, best, folds: 0 })
}

/// The points scored so far, and how to score more.
struct Climb<F> {
    tried: Vec<(Point, CvScore)>,
    evaluate: F,
}

impl<F: FnMut(&[Point]) -> Result<Vec<CvScore>>> Climb<F> {
    /// Scores `points`, remembering each.
    fn score(&mut self, points: &[Point]) -> Result<Vec<f64>> {
        if points.is_empty() {
            return Ok(Vec::new());
        }
        let scores = (self.evaluate)(points)?;
        let keys = scores.iter().map(CvScore::key).collect();
        self.tried.extend(points.iter().copied().zip(scores));
        Ok(keys)
    }

    /// Climbs C down every column together, each stopping after
    /// [`PATIENCE`] rounds without improvement.
    fn climb(&mut self, tune_c: bool, columns: &[Option<f64>]) -> Result<()> {
        if !tune_c {
            let points: Vec<Point> = columns.iter().map(|&g| Point { log2c: None, log2g: g }).collect();
            return self.score(&points).map(drop);
        }
        let mut state: Vec<(f64, usize)> = vec![(f64::NEG_INFINITY, 0); columns.len()];
        let (first, last, step) = LOG2_C;
        for c in (first..=last).step_by(step as usize) {
            let active: Vec<usize> = (0..columns.len()).filter(|&k| state[k].1 < PATIENCE).collect();
            if active.is_empty() {
                break;
            }
            let points: Vec<Point> =
                active.iter().map(|&k| Point { log2c: Some(f64::from(c)), log2g: columns[k] }).collect();
            for (&k, score) in active.iter().zip(self.score(&points)?) {
                let (best, stall) = &mut state[k];
                if score > *best + 1e-12 {
                    (*best, *stall) = (score, 0);
                } else {
                    *stall += 1;
                }
            }
        }
        Ok(())
    }

    /// The index of the best point: the highest score, then the smaller C,
    /// then the smaller gamma (the simpler model on ties).
    fn best(&self) -> usize {
        let better = |a: &(Point, CvScore), b: &(Point, CvScore)| {
            let (ka, kb) = (a.1.key(), b.1.key());
            if (ka - kb).abs() > 1e-12 {
                return ka > kb;
            }
            let less = |x: Option<f64>, y: Option<f64>| x.zip(y).map(|(x, y)| x.total_cmp(&y));
            match less(a.0.log2c, b.0.log2c).filter(|o| o.is_ne()) {
                Some(order) => order.is_lt(),
                None => less(a.0.log2g, b.0.log2g).is_some_and(|o| o.is_lt()),
            }
        };
        (0..self.tried.len()).fold(0, |b, i| if better(&self.tried[i], &self.tried[b]) { i } else { b })
    }

    fn best_point(&self) -> Point {
        self.tried[self.best()].0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A smooth score surface with its peak at (log2 C, log2 gamma) = `peak`.
    fn surface(peak: (f64, f64)) -> impl FnMut(&[Point]) -> Result<Vec<CvScore>> {
        move |points: &[Point]| {
            Ok(points
                .iter()
                .map(|p| {
                    let (c, g) = (p.log2c.unwrap_or(peak.0), p.log2g.unwrap_or(peak.1));
                    let accuracy = 0.9 - 0.01 * ((c - peak.0).powi(2) + (g - peak.1).powi(2));
                    CvScore::Accuracy { accuracy, correct: 0, per_fold: vec![accuracy] }
                })
                .collect())
        }
    }

    #[test]
    fn finds_the_peak_and_stops_climbing_c_past_it() {
        let out = coarse_to_fine(true, Some(-3.0), surface((4.0, -6.0))).unwrap();
        assert_eq!(out.best().0, Point { log2c: Some(4.0), log2g: Some(-6.0) });
        // No column climbed beyond PATIENCE steps past its peak at C = 2^3 or 2^5.
        let highest = out.tried.iter().filter_map(|(p, _)| p.log2c).fold(f64::MIN, f64::max);
        assert!(highest <= 5.0 + 2.0 * PATIENCE as f64, "climbed to 2^{highest}");
        assert!(out.tried.len() < 11 * 4, "{} points", out.tried.len());
    }

    #[test]
    fn extends_gamma_beyond_the_first_columns() {
        let out = coarse_to_fine(true, Some(0.0), surface((1.0, -9.0))).unwrap();
        assert_eq!(out.best().0, Point { log2c: Some(1.0), log2g: Some(-9.0) });
        let out = coarse_to_fine(false, Some(0.0), surface((0.0, 7.0))).unwrap();
        assert_eq!(out.best().0, Point { log2c: None, log2g: Some(7.0) });
    }

    #[test]
    fn c_alone_and_ties_prefer_the_simpler_model() {
        let out = coarse_to_fine(true, None, surface((8.0, 0.0))).unwrap();
        assert_eq!(out.best().0, Point { log2c: Some(8.0), log2g: None });
        // A flat surface: the smallest C and gamma tried.
        let flat = |p: &[Point]| {
            Ok(p.iter().map(|_| CvScore::Accuracy { accuracy: 0.5, correct: 0, per_fold: vec![] }).collect())
        };
        let out = coarse_to_fine(true, Some(0.0), flat).unwrap();
        let min_c = out.tried.iter().filter_map(|(p, _)| p.log2c).fold(f64::MAX, f64::min);
        let min_g = out.tried.iter().filter_map(|(p, _)| p.log2g).fold(f64::MAX, f64::min);
        assert_eq!(out.best().0, Point { log2c: Some(min_c), log2g: Some(min_g) });
    }
}
