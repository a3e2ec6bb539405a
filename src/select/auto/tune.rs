//! The search over log2 C and log2 gamma by cross-validation.
//!
//! 1. Coarse: grid.py's ranges at twice its step. C climbs `2^-5, 2^-1, …,
//!    2^15`; the gamma columns, four apart in log2 and aligned on the
//!    median-heuristic centre, span grid.py's `2^3 … 2^-15` (the data are
//!    scaled onto [-1, 1], as grid.py expects) and eight below to four above
//!    the centre. The start, C = 1 at the centre, is scored with the first
//!    round, so the search never ends below it.
//! 2. The columns climb C together, one C per round (every round's fits
//!    run in parallel). A column stops only on evidence: when its best is
//!    bracketed (the score rose to it, or fell after it, and the next
//!    [`PATIENCE`] steps did not improve on it), or when no fold's fit held
//!    a variable at its bound C, so every larger C fits the same models. A
//!    column flat from the start climbs on otherwise: a flat start is what a
//!    model predicting the majority class looks like, and larger C is where
//!    it learns.
//! 3. When the best gamma is an end column, one more column beyond it (at
//!    most [`MAX_EXTENSIONS`] per side).
//! 4. Refine: the eight neighbours of the best at grid.py's step (2 in log2),
//!    again around a new best, at most [`REFINE_ROUNDS`] times.
//!
//! The best point is the highest score measured; on ties, one that predicts
//! more than one class, then the smaller C, then the smaller gamma (the
//! simpler model). The search only proposes points; `evaluate` scores them
//! (in parallel, sharing kernel matrices), so this logic is tested on its own.

use crate::error::Result;
use crate::select::schedule::Scored;
use crate::select::{CvScore, Metric};

/// log2 C of grid.py's range, which the coarse stage spans.
pub(crate) const LOG2_C: (i32, i32) = (-5, 15);
/// grid.py's log2 gamma range (on data scaled onto [-1, 1]).
const LOG2_GAMMA: (f64, f64) = (-15.0, 3.0);
/// The coarse step in log2, both axes: twice grid.py's.
const COARSE: f64 = 4.0;
/// The refining step in log2: grid.py's.
const FINE: f64 = 2.0;
/// Coarse steps without improvement, after a rise or a fall, before a column stops.
pub(crate) const PATIENCE: usize = 1;
/// Extra gamma columns at most, per side.
const MAX_EXTENSIONS: usize = 2;
/// Rounds of refinement at most.
const REFINE_ROUNDS: usize = 3;
/// Scores closer than this are ties.
const TIE: f64 = 1e-12;

/// A point of the search in log2; `None` where the option is not searched.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Point {
    pub log2c: Option<f64>,
    pub log2g: Option<f64>,
}

/// What the search covers: C over `log2c` (inclusive, when searched) from
/// `2^c_start`, and gamma around the log2 centre `gamma` (when searched),
/// ranked by `metric`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Space {
    pub log2c: Option<(i32, i32)>,
    pub c_start: i32,
    pub gamma: Option<f64>,
    pub metric: Metric,
}

impl Space {
    /// C over `log2c` in units of `2^c_unit` (a regression's targets'
    /// spread: SVR's C scales with them; 0 for classifiers), from one unit.
    pub fn new(log2c: Option<(i32, i32)>, c_unit: i32, gamma: Option<f64>, metric: Metric) -> Self {
        Space { log2c: log2c.map(|(lo, hi)| (lo + c_unit, hi + c_unit)), c_start: c_unit, gamma, metric }
    }
}

/// Every point scored, and the best.
#[derive(Debug)]
pub(crate) struct Outcome {
    pub tried: Vec<(Point, CvScore)>,
    pub best: usize,
    /// Folds of the cross-validation (set by the caller that scored).
    pub folds: usize,
    /// Samples the cross-validation ran on (set by the caller).
    pub samples: usize,
    /// Of those, the ones trained on in every fold and never scored (set by
    /// the caller: the one sample of a class).
    pub unscored: usize,
    pub metric: Metric,
    /// The index of the start (C = one unit at the centre).
    pub start: usize,
}

impl Outcome {
    /// The best point and its score.
    pub fn best(&self) -> &(Point, CvScore) {
        &self.tried[self.best]
    }

    /// The start and its score.
    pub fn start(&self) -> &(Point, CvScore) {
        &self.tried[self.start]
    }

    /// The points in order of rank, best first, at most `k`, distinct.
    pub fn ranked(&self, k: usize) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.tried.len()).collect();
        order.sort_by(|&a, &b| {
            if better(&self.tried[a], &self.tried[b], self.metric) {
                std::cmp::Ordering::Less
            } else if better(&self.tried[b], &self.tried[a], self.metric) {
                std::cmp::Ordering::Greater
            } else {
                a.cmp(&b)
            }
        });
        order.truncate(k);
        order
    }
}

/// Searches `space` with `evaluate`, which scores a batch of points.
pub(crate) fn coarse_to_fine(space: Space, evaluate: impl FnMut(&[Point]) -> Result<Vec<Scored>>) -> Result<Outcome> {
    let mut search = Climb { tried: Vec::new(), inactive: Vec::new(), evaluate, metric: space.metric };
    let start = Point { log2c: space.log2c.map(|_| f64::from(space.c_start)), log2g: space.gamma };
    let columns: Vec<Option<f64>> = match space.gamma {
        Some(g0) => gamma_columns(g0).into_iter().map(Some).collect(),
        None => vec![None],
    };
    search.climb(space.log2c, &columns, Some(start))?;
    if let Some(g0) = space.gamma {
        extend(&mut search, space.log2c, &columns, g0)?;
    }
    refine(&mut search, space)?;
    let best = search.best();
    let start = search.tried.iter().position(|(p, _)| *p == start).expect("the start is scored");
    Ok(Outcome { tried: search.tried, best, folds: 0, samples: 0, unscored: 0, metric: space.metric, start })
}

/// The coarse gamma columns: `g0 + 4k` over grid.py's range and from eight
/// below to four above `g0`, each end within half a step.
fn gamma_columns(g0: f64) -> Vec<f64> {
    let lo = LOG2_GAMMA.0.min(g0 - 2.0 * COARSE) - COARSE / 2.0;
    let hi = LOG2_GAMMA.1.max(g0 + COARSE) + COARSE / 2.0;
    let (first, last) = (((lo - g0) / COARSE).ceil() as i32, ((hi - g0) / COARSE).floor() as i32);
    (first..=last).rev().map(|k| g0 + COARSE * f64::from(k)).collect()
}

/// Adds gamma columns beyond an end column while the best lies on one.
fn extend<F: FnMut(&[Point]) -> Result<Vec<Scored>>>(
    search: &mut Climb<F>,
    log2c: Option<(i32, i32)>,
    columns: &[Option<f64>],
    g0: f64,
) -> Result<()> {
    let (mut hi, mut lo) = (columns[0].expect("gamma searched"), columns[columns.len() - 1].expect("gamma searched"));
    let (mut below, mut above) = (0, 0);
    loop {
        let best = search.best_point().log2g.expect("gamma searched");
        if best <= lo && below < MAX_EXTENSIONS {
            below += 1;
            lo = on_lattice(lo - COARSE, g0);
            search.climb(log2c, &[Some(lo)], None)?;
        } else if best >= hi && above < MAX_EXTENSIONS {
            above += 1;
            hi = on_lattice(hi + COARSE, g0);
            search.climb(log2c, &[Some(hi)], None)?;
        } else {
            return Ok(());
        }
    }
}

/// Scores the neighbours of the best at the fine step until the best stays.
fn refine<F: FnMut(&[Point]) -> Result<Vec<Scored>>>(search: &mut Climb<F>, space: Space) -> Result<()> {
    let steps = [-FINE, 0.0, FINE];
    let c_steps = if space.log2c.is_some() { &steps[..] } else { &steps[1..2] };
    let g_steps = if space.gamma.is_some() { &steps[..] } else { &steps[1..2] };
    // Past the range's largest C, SMO's time grows and the model only
    // overfits; one step below its smallest is as simple as it needs to be.
    let (c_min, c_max) = space.log2c.map_or((f64::MIN, f64::MAX), |(lo, hi)| (f64::from(lo) - FINE, f64::from(hi)));
    for _ in 0..REFINE_ROUNDS {
        let centre = search.best_point();
        let mut points = Vec::new();
        for dc in c_steps {
            for dg in g_steps {
                let log2g = centre.log2g.zip(space.gamma).map(|(g, g0)| on_lattice(g + dg, g0));
                let p = Point { log2c: centre.log2c.map(|c| c + dc), log2g };
                let fresh = !search.tried.iter().any(|(q, _)| *q == p) && !search.fits_as_smaller_c(&p);
                if p.log2c.is_none_or(|c| (c_min..=c_max).contains(&c)) && fresh {
                    points.push(p);
                }
            }
        }
        search.score(&points)?;
        if search.best_point() == centre {
            break;
        }
    }
    Ok(())
}

/// `v` on the lattice of the fine step through `origin`: the same point
/// reached by different steps is the same number, so it is scored once
/// (`g0 − 2 + 2` need not round to `g0`).
fn on_lattice(v: f64, origin: f64) -> f64 {
    origin + ((v - origin) / FINE).round() * FINE
}

/// Appends the `extra` points `points` does not hold.
fn add_new(points: &mut Vec<Point>, extra: &[Point]) {
    for p in extra {
        if !points.contains(p) {
            points.push(*p);
        }
    }
}

/// Whether `a` ranks above `b`: the higher score; on ties, one that does not
/// predict a single class, then the smaller C, then the smaller gamma.
fn better(a: &(Point, CvScore), b: &(Point, CvScore), metric: Metric) -> bool {
    let (ka, kb) = (a.1.key_by(metric), b.1.key_by(metric));
    if (ka - kb).abs() > TIE {
        return ka > kb;
    }
    if a.1.predicts_one_class() != b.1.predicts_one_class() {
        return b.1.predicts_one_class();
    }
    let less = |x: Option<f64>, y: Option<f64>| x.zip(y).map(|(x, y)| x.total_cmp(&y));
    match less(a.0.log2c, b.0.log2c).filter(|o| o.is_ne()) {
        Some(order) => order.is_lt(),
        None => less(a.0.log2g, b.0.log2g).is_some_and(|o| o.is_lt()),
    }
}

/// A column's climb along C.
#[derive(Clone, Copy, Debug, Default)]
struct Column {
    best: Option<f64>,
    stall: usize,
    /// The score rose above the column's first.
    rose: bool,
    /// A score fell below the column's best.
    fell: bool,
    /// The last fits held no variable at the bound: larger C fits the same.
    box_inactive: bool,
}

impl Column {
    fn update(&mut self, score: f64, box_inactive: bool) {
        self.box_inactive = box_inactive;
        match self.best {
            None => self.best = Some(score),
            Some(best) if score > best + TIE => (self.best, self.stall, self.rose) = (Some(score), 0, true),
            Some(best) => {
                self.stall += 1;
                self.fell |= score < best - TIE;
            }
        }
    }

    /// The best is bracketed, or larger C changes nothing: stop climbing.
    fn done(&self) -> bool {
        self.box_inactive || (self.stall >= PATIENCE && (self.rose || self.fell))
    }
}

/// The points scored so far, and how to score more.
struct Climb<F> {
    tried: Vec<(Point, CvScore)>,
    /// The points whose fits held no variable at the bound C.
    inactive: Vec<Point>,
    evaluate: F,
    metric: Metric,
}

impl<F: FnMut(&[Point]) -> Result<Vec<Scored>>> Climb<F> {
    /// Scores `points`, remembering each: (key, box inactive) of each.
    fn score(&mut self, points: &[Point]) -> Result<Vec<(f64, bool)>> {
        if points.is_empty() {
            return Ok(Vec::new());
        }
        let scored = (self.evaluate)(points)?;
        let keys = scored.iter().map(|s| (s.score.key_by(self.metric), s.box_inactive)).collect();
        for (p, s) in points.iter().zip(scored) {
            if s.box_inactive {
                self.inactive.push(*p);
            }
            self.tried.push((*p, s.score));
        }
        Ok(keys)
    }

    /// Whether `p` fits the models of a smaller C at its gamma already
    /// scored with the box inactive: it would score the same.
    fn fits_as_smaller_c(&self, p: &Point) -> bool {
        let below = |q: &Point| q.log2g == p.log2g && q.log2c.zip(p.log2c).is_some_and(|(a, b)| a < b);
        self.inactive.iter().any(below)
    }

    /// Climbs C at the coarse step down every column together until each
    /// column's best is bracketed; `extra` is scored with the first round.
    fn climb(&mut self, log2c: Option<(i32, i32)>, columns: &[Option<f64>], extra: Option<Point>) -> Result<()> {
        let extra: Vec<Point> = extra.into_iter().collect();
        let Some((first, last)) = log2c else {
            let mut points: Vec<Point> = columns.iter().map(|&g| Point { log2c: None, log2g: g }).collect();
            add_new(&mut points, &extra);
            return self.score(&points).map(drop);
        };
        let mut state = vec![Column::default(); columns.len()];
        let mut c = f64::from(first);
        while c <= f64::from(last) {
            let active: Vec<usize> = (0..columns.len()).filter(|&k| !state[k].done()).collect();
            if active.is_empty() {
                break;
            }
            let mut points: Vec<Point> = active.iter().map(|&k| Point { log2c: Some(c), log2g: columns[k] }).collect();
            if c == f64::from(first) {
                add_new(&mut points, &extra);
            }
            let keys = self.score(&points)?;
            active.iter().zip(keys).for_each(|(&k, (key, inactive))| state[k].update(key, inactive));
            c += COARSE;
        }
        Ok(())
    }

    /// The index of the best point.
    fn best(&self) -> usize {
        (0..self.tried.len()).fold(0, |b, i| if better(&self.tried[i], &self.tried[b], self.metric) { i } else { b })
    }

    fn best_point(&self) -> Point {
        self.tried[self.best()].0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::select::Confusion;

    /// Scores with the box active.
    fn active(scores: Vec<CvScore>) -> Result<Vec<Scored>> {
        Ok(scores.into_iter().map(|score| Scored { score, box_inactive: false }).collect())
    }

    /// A score of `accuracy` on 100 samples, predicting one class or both.
    fn score(accuracy: f64, one_class: bool) -> CvScore {
        let truth: Vec<usize> = (0..100).map(|i| usize::from(i < 10)).collect();
        let predicted = if one_class { vec![0; 100] } else { (0..100).map(|i| usize::from(i < 5)).collect() };
        let confusion = Confusion::new(2, &truth, &predicted);
        CvScore::Accuracy { accuracy, correct: 0, per_fold: vec![accuracy], confusion }
    }

    fn space(gamma: Option<f64>) -> Space {
        Space::new(Some(LOG2_C), 0, gamma, Metric::Accuracy)
    }

    /// A smooth score surface with its peak at (log2 C, log2 gamma) = `peak`.
    fn surface(peak: (f64, f64)) -> impl FnMut(&[Point]) -> Result<Vec<Scored>> {
        move |points: &[Point]| {
            active(
                points
                    .iter()
                    .map(|p| {
                        let (c, g) = (p.log2c.unwrap_or(peak.0), p.log2g.unwrap_or(peak.1));
                        score(0.9 - 0.001 * ((c - peak.0).powi(2) + (g - peak.1).powi(2)), false)
                    })
                    .collect(),
            )
        }
    }

    #[test]
    fn finds_the_peak_and_stops_climbing_c_past_it() {
        let out = coarse_to_fine(space(Some(-3.0)), surface((5.0, -7.0))).unwrap();
        assert_eq!(out.best().0, Point { log2c: Some(5.0), log2g: Some(-7.0) });
        // No column climbed more than one coarse step past C = 2^7, the last before the fall.
        let highest = out.tried.iter().filter_map(|(p, _)| p.log2c).fold(f64::MIN, f64::max);
        assert!(highest <= 11.0, "climbed to 2^{highest}");
        assert!(out.tried.len() < 60, "{} points", out.tried.len());
    }

    #[test]
    fn no_point_is_scored_twice() {
        // heart_scale's median-heuristic centre, where `g0 − 2 + 2` does not
        // round to `g0`: refining around (5, g0 − 2) came back to (3, g0).
        let g0 = -3.576730663590381;
        assert_ne!(g0 - 2.0 + 2.0, g0);
        for peak in [(5.0, g0 - 2.0), (7.0, g0 - 6.0), (1.0, g0 + 6.0), (3.0, g0 - 26.0)] {
            let out = coarse_to_fine(space(Some(g0)), surface(peak)).unwrap();
            let tried: Vec<Point> = out.tried.iter().map(|(p, _)| *p).collect();
            let near = |a: Option<f64>, b: Option<f64>| a.zip(b).is_none_or(|(a, b)| (a - b).abs() < 1e-9);
            for (i, p) in tried.iter().enumerate() {
                let twice = tried[..i].iter().any(|q| near(p.log2c, q.log2c) && near(p.log2g, q.log2g));
                assert!(!twice, "{p:?} scored twice (peak {peak:?})");
            }
            assert_eq!(out.best().0, Point { log2c: Some(peak.0), log2g: Some(peak.1) });
        }
    }

    #[test]
    fn a_flat_majority_start_does_not_stop_the_climb() {
        // Every point below C = 2^7 predicts the majority class (90 %);
        // larger C learns, best at (11, 1). The old rule stopped after two ties.
        let cliff = |points: &[Point]| {
            active(
                points
                    .iter()
                    .map(|p| {
                        let (c, g) = (p.log2c.unwrap(), p.log2g.unwrap());
                        if c < 7.0 {
                            score(0.9, true)
                        } else {
                            score(0.98 - 0.002 * ((c - 11.0).powi(2) + (g - 1.0).powi(2)), false)
                        }
                    })
                    .collect(),
            )
        };
        let out = coarse_to_fine(space(Some(-3.0)), cliff).unwrap();
        let (point, best) = out.best();
        assert!(!best.predicts_one_class());
        assert_eq!(*point, Point { log2c: Some(11.0), log2g: Some(1.0) });
    }

    #[test]
    fn never_below_the_start_and_the_start_is_scored() {
        // The start is the only good point: the search returns it.
        let start = Point { log2c: Some(0.0), log2g: Some(-2.5) };
        let spike = |points: &[Point]| {
            active(points.iter().map(|p| score(if *p == start { 0.95 } else { 0.7 }, false)).collect())
        };
        let out = coarse_to_fine(space(Some(-2.5)), spike).unwrap();
        assert_eq!(out.best().0, Point { log2c: Some(0.0), log2g: Some(-2.5) });
        assert_eq!(out.start().0, out.best().0);
    }

    #[test]
    fn the_coarse_columns_span_grid_py_and_extend_beyond() {
        let columns = gamma_columns(-3.0);
        assert_eq!(columns, vec![5.0, 1.0, -3.0, -7.0, -11.0, -15.0]);
        // A centre far from grid.py's range: columns from 8 below to 4 above it, and the range.
        let far = gamma_columns(10.0);
        assert!(far.first() == Some(&14.0) && far.last() == Some(&-14.0), "{far:?}");
        let out = coarse_to_fine(space(Some(-3.0)), surface((1.0, -21.0))).unwrap();
        assert_eq!(out.best().0, Point { log2c: Some(1.0), log2g: Some(-21.0) });
        let out = coarse_to_fine(Space { log2c: None, ..space(Some(0.0)) }, surface((0.0, 12.0))).unwrap();
        assert_eq!(out.best().0, Point { log2c: None, log2g: Some(12.0) });
    }

    #[test]
    fn c_alone_and_ties_prefer_a_model_of_both_classes_then_the_simpler() {
        let out = coarse_to_fine(space(None), surface((8.0, 0.0))).unwrap();
        assert_eq!(out.best().0, Point { log2c: Some(7.0), log2g: None });
        // A flat surface: every column climbs to the end, then the smallest C and gamma.
        let flat = |p: &[Point]| active(p.iter().map(|_| score(0.5, false)).collect());
        let out = coarse_to_fine(space(Some(0.0)), flat).unwrap();
        let min_c = out.tried.iter().filter_map(|(p, _)| p.log2c).fold(f64::MAX, f64::min);
        let min_g = out.tried.iter().filter_map(|(p, _)| p.log2g).fold(f64::MAX, f64::min);
        assert_eq!(out.best().0, Point { log2c: Some(min_c), log2g: Some(min_g) });
        // At an equal score, a model of both classes over the majority class.
        let tie = |p: &[Point]| active(p.iter().map(|p| score(0.9, p.log2c != Some(3.0))).collect());
        let out = coarse_to_fine(space(None), tie).unwrap();
        assert_eq!(out.best().0.log2c, Some(3.0));
        assert_eq!(out.ranked(2)[0], out.best);
    }

    #[test]
    fn a_column_whose_fits_leave_the_box_stops_climbing() {
        // A flat surface where fits at C >= 2^3 hold no variable at the bound:
        // no column climbs past 2^3, and refinement proposes no larger C.
        let flat_box = |points: &[Point]| {
            Ok(points
                .iter()
                .map(|p| Scored { score: score(0.5, false), box_inactive: p.log2c.is_some_and(|c| c >= 3.0) })
                .collect())
        };
        let out = coarse_to_fine(space(Some(0.0)), flat_box).unwrap();
        let highest = out.tried.iter().filter_map(|(p, _)| p.log2c).fold(f64::MIN, f64::max);
        assert_eq!(highest, 3.0);
        // Without the box's evidence, a flat column climbs to grid.py's end.
        let out = coarse_to_fine(space(Some(0.0)), |p: &[Point]| active(p.iter().map(|_| score(0.5, false)).collect()))
            .unwrap();
        let highest = out.tried.iter().filter_map(|(p, _)| p.log2c).fold(f64::MIN, f64::max);
        assert_eq!(highest, 15.0);
    }
}
