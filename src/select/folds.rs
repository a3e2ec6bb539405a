//! Cross-validation folds: one fold number per sample, dealt by one seeded
//! rule, so the CLI, the Rust API and every search compare on the same folds.

use rand::seq::SliceRandom;

use crate::error::{Error, Result};
use crate::synthetic::rng;
use crate::train::Targets;

/// `k` folds that keep the class proportions of `labels` to within one
/// sample per fold: the samples of each class (classes taken in the order
/// they first appear) are shuffled with `seed`, then dealt round robin.
/// The folds depend on which samples share a class, not on how the classes
/// are named or coded.
///
/// ```
/// use kern::select::stratified_kfold;
/// let folds = stratified_kfold(&["a", "b", "a", "b", "a", "b"], 3, 0);
/// for f in 0..3 {
///     assert_eq!(folds.iter().filter(|&&g| g == f).count(), 2);
/// }
/// ```
pub fn stratified_kfold<T: PartialEq>(labels: &[T], k: usize, seed: u64) -> Vec<usize> {
    let mut seen: Vec<&T> = Vec::new();
    let codes: Vec<usize> = labels
        .iter()
        .map(|l| {
            seen.iter().position(|c| *c == l).unwrap_or_else(|| {
                seen.push(l);
                seen.len() - 1
            })
        })
        .collect();
    deal(&codes, k, seed)
}

/// `k` folds of `n` samples: a seeded shuffle dealt round robin.
pub fn kfold(n: usize, k: usize, seed: u64) -> Vec<usize> {
    deal(&vec![0; n], k, seed)
}

/// The folds of `targets`: stratified by class for classifiers, plain
/// otherwise. The only sample of a class gets fold `k`, which is none: it
/// is trained on in every fold and never scored (a fold without it would
/// train without its class). A class of two or more samples is dealt over
/// as many folds, so every training fold holds it.
///
/// ```
/// use kern::select::assign_folds;
/// use kern::train::Targets;
/// let targets = Targets::Classes { names: vec!["a".into(), "b".into(), "c".into()], codes: vec![0, 1, 0, 1, 2, 0, 1] };
/// let folds = assign_folds(&targets, 7, 3, 0);
/// assert_eq!(folds[4], 3);
/// assert!(folds.iter().enumerate().all(|(i, &f)| i == 4 || f < 3));
/// ```
pub fn assign_folds(targets: &Targets, n: usize, k: usize, seed: u64) -> Vec<usize> {
    let Some(codes) = targets.codes() else { return kfold(n, k, seed) };
    let mut fold_of = deal(codes, k, seed);
    let mut count = vec![0usize; codes.iter().max().map_or(0, |&c| c + 1)];
    codes.iter().for_each(|&c| count[c] += 1);
    codes.iter().zip(&mut fold_of).filter(|(c, _)| count[**c] == 1).for_each(|(_, f)| *f = k);
    fold_of
}

/// How many samples of `fold_of` are in none of its `k` folds.
pub fn unscored(fold_of: &[usize], k: usize) -> usize {
    fold_of.iter().filter(|&&f| f >= k).count()
}

/// What a report says of `unscored` samples ([`assign_folds`]), after a
/// "; " (empty when none).
///
/// ```
/// assert_eq!(kern::select::unscored_said(0), "");
/// assert!(kern::select::unscored_said(2).starts_with("; 2 samples"));
/// ```
pub fn unscored_said(unscored: usize) -> String {
    match unscored {
        0 => String::new(),
        1 => "; 1 sample, its class's only one, trained on in every fold, not scored".into(),
        k => format!("; {k} samples, each its class's only one, trained on in every fold, not scored"),
    }
}

/// Deals the samples of each group (`codes`), groups in order of first
/// appearance, each shuffled, round robin over `k` folds.
fn deal(codes: &[usize], k: usize, seed: u64) -> Vec<usize> {
    let mut order: Vec<usize> = Vec::new();
    let mut members: Vec<Vec<usize>> = Vec::new();
    for (i, &c) in codes.iter().enumerate() {
        if c >= members.len() {
            members.resize(c + 1, Vec::new());
        }
        if members[c].is_empty() {
            order.push(c);
        }
        members[c].push(i);
    }
    let mut rng = rng(seed);
    let mut fold_of = vec![0; codes.len()];
    let mut next = 0;
    for c in order {
        let group = &mut members[c];
        group.shuffle(&mut rng);
        for &i in group.iter() {
            fold_of[i] = next % k.max(1);
            next += 1;
        }
    }
    fold_of
}

/// A seeded split of `n` samples into `(fit, held)` rows, `held` taking
/// `round(share · n)` of them (at least one, leaving at least one), both in
/// ascending order.
///
/// ```
/// use kern::select::holdout;
/// let (fit, held) = holdout(10, 0.3, 7);
/// assert_eq!((fit.len(), held.len()), (7, 3));
/// assert_eq!(holdout(10, 0.3, 7), (fit, held));
/// ```
pub fn holdout(n: usize, share: f64, seed: u64) -> (Vec<usize>, Vec<usize>) {
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(&mut rng(seed));
    let m = ((share * n as f64).round() as usize).clamp(1.min(n), n.saturating_sub(1));
    let mut held = order[..m].to_vec();
    let mut fit = order[m..].to_vec();
    held.sort_unstable();
    fit.sort_unstable();
    (fit, held)
}

/// The rows of fold `f` and the rest: `(test, train)`.
pub fn fold_rows(fold_of: &[usize], f: usize) -> (Vec<usize>, Vec<usize>) {
    (0..fold_of.len()).partition(|&i| fold_of[i] == f)
}

/// Refuses fold counts below 2 or above the number of samples.
pub fn check_folds(folds: usize, n: usize) -> Result<()> {
    if folds < 2 || folds > n {
        return Err(Error::Usage(format!("--folds {folds} must be between 2 and the {n} samples")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_are_stratified_seeded_and_independent_of_the_coding() {
        // 3 classes of 50, 31 and 19 samples, interleaved.
        let codes: Vec<usize> = (0..100)
            .map(|i| {
                if i % 2 == 0 {
                    0
                } else if i % 5 == 1 {
                    2
                } else {
                    1
                }
            })
            .collect();
        let counts: Vec<usize> = (0..3).map(|c| codes.iter().filter(|&&k| k == c).count()).collect();
        let names = vec!["a".into(), "b".into(), "c".into()];
        let targets = Targets::Classes { names, codes: codes.clone() };
        let folds = assign_folds(&targets, 100, 5, 7);
        for f in 0..5 {
            for c in 0..3 {
                let in_fold = (0..100).filter(|&i| folds[i] == f && codes[i] == c).count() as f64;
                let expected = counts[c] as f64 / 5.0;
                assert!((in_fold - expected).abs() <= 1.0, "fold {f} class {c}: {in_fold} vs {expected}");
            }
        }
        assert_eq!(folds, assign_folds(&targets, 100, 5, 7));
        assert_ne!(folds, assign_folds(&targets, 100, 5, 8));
        // Coded otherwise (class 0 renamed 2 and back), or by label: the same folds.
        let recoded: Vec<usize> = codes.iter().map(|&c| (c + 2) % 3).collect();
        let targets = Targets::Classes { names: vec!["x".into(); 3], codes: recoded };
        assert_eq!(folds, assign_folds(&targets, 100, 5, 7));
        let labels: Vec<String> = codes.iter().map(|c| format!("class {c}")).collect();
        assert_eq!(folds, stratified_kfold(&labels, 5, 7));
    }

    #[test]
    fn plain_folds_are_the_stratified_folds_of_one_class() {
        assert_eq!(kfold(23, 4, 3), stratified_kfold(&[0u8; 23], 4, 3));
        assert_eq!(kfold(23, 4, 3), assign_folds(&Targets::Values(vec![0.0; 23]), 23, 4, 3));
    }
}
