//! One data set in several files (`--shards`): the path is a pattern whose
//! `*` (any run of characters) and `?` (one character) match in the file
//! name; the matching files, in name order, hold the rows in order. Alone,
//! a process reads them all; process `i` of `P` reads whole files, its
//! consecutive `1/P` of them, so no process reads another's rows.

use std::path::{Path, PathBuf};

use kern_kernels::{DataSet, DenseMatrix, Row, SparseMatrix};

use super::{DENSE_FRACTION, Labels, Loaded, ReadOptions, read_data};
use crate::error::{Error, Result};

/// The files `pattern` names, in name order.
pub(crate) fn shard_files(pattern: &Path) -> Result<Vec<PathBuf>> {
    let usage = |why: String| Error::Usage(format!("--shards {}: {why}", pattern.display()));
    let name = pattern.file_name().and_then(|n| n.to_str()).ok_or_else(|| usage("no file name to match".into()))?;
    let dir = match pattern.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if dir.to_string_lossy().contains(['*', '?']) {
        return Err(usage("only the file name may hold * and ?".into()));
    }
    let entries = std::fs::read_dir(dir).map_err(|source| Error::Io { file: dir.to_path_buf(), source })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter(|e| e.file_name().to_str().is_some_and(|n| matches(name.as_bytes(), n.as_bytes())))
        .map(|e| pattern.with_file_name(e.file_name()))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(usage("no file matches".into()));
    }
    Ok(files)
}

/// Whether `name` matches `pattern` (`*` any run, `?` any one byte).
fn matches(pattern: &[u8], name: &[u8]) -> bool {
    match (pattern.split_first(), name.split_first()) {
        (None, None) => true,
        (Some((b'*', rest)), _) => (0..=name.len()).any(|skip| matches(rest, &name[skip..])),
        (Some((b'?', rest)), Some((_, tail))) => matches(rest, tail),
        (Some((p, rest)), Some((c, tail))) => p == c && matches(rest, tail),
        _ => false,
    }
}

/// The rows of this process's files of `pattern`, as one data set.
pub(crate) fn read_shards(pattern: &Path, options: &ReadOptions<'_>) -> Result<Loaded> {
    let files = shard_files(pattern)?;
    let shared = options.share.filter(|s| s.count > 1);
    let mine = match shared {
        Some(s) if files.len() < s.count => {
            return Err(Error::Usage(format!(
                "--shards {}: {} files for {} processes: each process reads whole files; run at most {}",
                pattern.display(),
                files.len(),
                s.count,
                files.len()
            )));
        }
        Some(s) => &files[s.index * files.len() / s.count..(s.index + 1) * files.len() / s.count],
        None => &files[..],
    };
    let whole = ReadOptions { share: None, shards: false, ..options.clone() };
    let parts = mine.iter().map(|f| read_data(f, &whole)).collect::<Result<Vec<_>>>()?;
    concat(parts, mine, shared.is_none())
}

/// The parts' rows one after another, as one file holding them all would
/// be read (`decide_storage`: dense when filled as the readers decide).
fn concat(parts: Vec<Loaded>, files: &[PathBuf], decide_storage: bool) -> Result<Loaded> {
    let differs = |k: usize, what: &str| {
        Error::Usage(format!(
            "{}: its {what} differ from {}'s: shards must be alike",
            files[k].display(),
            files[0].display()
        ))
    };
    for (k, part) in parts.iter().enumerate().skip(1) {
        if part.format != parts[0].format || part.csv != parts[0].csv {
            return Err(differs(k, "format or columns"));
        }
        if part.labels.is_some() != parts[0].labels.is_some() || part.weights.is_some() != parts[0].weights.is_some() {
            return Err(differs(k, "labels or weights"));
        }
    }
    let x = concat_rows(parts.iter().map(|p| &p.x), decide_storage);
    let labels = parts[0]
        .labels
        .as_ref()
        .map(|_| concat_labels(parts.iter().map(|p| p.labels.as_ref().expect("checked alike"))));
    let weights =
        parts[0].weights.as_ref().map(|_| parts.iter().flat_map(|p| p.weights.clone().unwrap_or_default()).collect());
    let Loaded { format, csv, .. } = parts.into_iter().next().expect("at least one file");
    Ok(Loaded { x, labels, format, csv, weights })
}

/// The rows of `sets` one after another at the widest width: dense when
/// all are dense, else sparse (made dense when `decide` and filled as LibSVM's
/// reader makes a file dense).
fn concat_rows<'a>(sets: impl Iterator<Item = &'a DataSet> + Clone, decide: bool) -> DataSet {
    let d = sets.clone().map(DataSet::n_features).max().unwrap_or(0);
    if sets.clone().all(|x| !x.is_sparse() && x.n_features() == d) {
        let values: Vec<f64> =
            sets.flat_map(|x| (0..x.n_samples()).flat_map(move |i| x.row(i).values().to_vec())).collect();
        let n = values.len().checked_div(d).unwrap_or(0);
        return DataSet::from(DenseMatrix::new(n, d, values).expect("rows of valid matrices"));
    }
    let mut rows = SparseMatrix::with_cols(d);
    for x in sets {
        for i in 0..x.n_samples() {
            let (idx, values): (Vec<u32>, Vec<f64>) = match x.row(i) {
                Row::Sparse(idx, values) => (idx.to_vec(), values.to_vec()),
                Row::Dense(values) => {
                    values.iter().enumerate().filter(|(_, v)| **v != 0.0).map(|(j, v)| (j as u32, *v)).unzip()
                }
            };
            rows.push_row(&idx, &values).expect("rows of valid matrices");
        }
    }
    let x = DataSet::from(rows);
    let filled = x.stored_values() as f64 >= DENSE_FRACTION * x.n_samples() as f64 * d as f64;
    if decide && filled { x.to_dense() } else { x }
}

/// The labels of the parts one after another: numbers when all are, else
/// class names coded in order of first appearance over the parts.
fn concat_labels<'a>(parts: impl Iterator<Item = &'a Labels> + Clone) -> Labels {
    if parts.clone().all(|l| matches!(l, Labels::Numeric(_))) {
        return Labels::Numeric(parts.flat_map(|l| l.numeric(Path::new("")).expect("numbers").to_vec()).collect());
    }
    let (mut classes, mut codes, mut first_text) = (Vec::<String>::new(), Vec::new(), None);
    let code = |name: String, classes: &mut Vec<String>| match classes.iter().position(|c| *c == name) {
        Some(k) => k as u32,
        None => {
            classes.push(name);
            (classes.len() - 1) as u32
        }
    };
    for labels in parts {
        match labels {
            Labels::Numeric(v) => v.iter().for_each(|v| codes.push(code(format!("{v}"), &mut classes))),
            Labels::Text { classes: names, codes: theirs, first_text: first } => {
                first_text.get_or_insert_with(|| first.clone());
                theirs.iter().for_each(|&c| codes.push(code(names[c as usize].clone(), &mut classes)));
            }
        }
    }
    Labels::Text { classes, codes, first_text: first_text.expect("a part of names") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_as_the_shell_does_in_a_file_name() {
        let yes = |p: &str, n: &str| matches(p.as_bytes(), n.as_bytes());
        assert!(yes("part-*.csv", "part-00.csv") && yes("part-*.csv", "part-.csv") && yes("*", "x"));
        assert!(yes("p?rt-*-*.csv", "part-1-2.csv") && yes("a*b*c", "abbbc"));
        assert!(!yes("part-*.csv", "part-00.csv.bak") && !yes("part-?.csv", "part-10.csv") && !yes("a*b", "ba"));
    }

    #[test]
    fn text_labels_over_parts_are_coded_in_order_of_first_appearance() {
        let parts = [
            Labels::Numeric(vec![1.0, -1.0]),
            Labels::Text {
                classes: vec!["cat".into(), "1".into()],
                codes: vec![0, 1, 0],
                first_text: (1, "cat".into()),
            },
        ];
        let Labels::Text { classes, codes, .. } = concat_labels(parts.iter()) else { panic!("names") };
        assert_eq!(classes, ["1", "-1", "cat"]);
        assert_eq!(codes, [0, 1, 2, 0, 2]);
    }
}
