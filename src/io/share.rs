//! One process's share of a data file: the lines that start in its slice
//! of the file's bytes. Process `i` of `P` takes the lines whose first byte
//! lies in `[L·i/P, L·(i+1)/P)` (`L` the file's length), so the shares
//! cover every line once, in order, and each process reads only its own
//! bytes (plus the first line, a CSV's header).

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use crate::error::{Error, Result};

/// Which share of a file to read: number `index` of `count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Share {
    /// This process's share, `0..count`.
    pub index: usize,
    /// How many shares the file is cut into.
    pub count: usize,
}

impl Share {
    /// The whole file.
    pub const WHOLE: Share = Share { index: 0, count: 1 };
}

/// The bytes `[start, end)` of `file` that hold `share`'s lines.
pub(super) fn byte_range(path: &Path, file: &mut File, share: Share) -> Result<(u64, u64)> {
    let io_err = |source| Error::Io { file: path.to_path_buf(), source };
    let len = file.metadata().map_err(io_err)?.len();
    let nominal = |i: usize| (u128::from(len) * i as u128 / share.count as u128) as u64;
    let start = line_start_at_or_after(file, nominal(share.index)).map_err(io_err)?;
    let end = line_start_at_or_after(file, nominal(share.index + 1)).map_err(io_err)?;
    Ok((start, end.max(start)))
}

/// The first line start at or after `at`: `at` itself when the byte before
/// it ends a line.
fn line_start_at_or_after(file: &mut File, at: u64) -> std::io::Result<u64> {
    if at == 0 {
        return Ok(0);
    }
    file.seek(SeekFrom::Start(at - 1))?;
    let mut reader = BufReader::with_capacity(1 << 16, &mut *file);
    let mut skipped = Vec::new();
    let n = reader.read_until(b'\n', &mut skipped)?;
    Ok(at - 1 + n as u64)
}

/// The first line of `file` (a CSV's header, or its first row), newline included.
pub(super) fn first_line(path: &Path, file: &mut File) -> Result<Vec<u8>> {
    let io_err = |source| Error::Io { file: path.to_path_buf(), source };
    file.seek(SeekFrom::Start(0)).map_err(io_err)?;
    let mut line = Vec::new();
    BufReader::new(&mut *file).read_until(b'\n', &mut line).map_err(io_err)?;
    if !line.ends_with(b"\n") {
        line.push(b'\n');
    }
    Ok(line)
}

/// A reader of `[start, end)` of `file`.
pub(super) fn range_reader(path: &Path, mut file: File, start: u64, end: u64) -> Result<impl BufRead> {
    file.seek(SeekFrom::Start(start)).map_err(|source| Error::Io { file: path.to_path_buf(), source })?;
    Ok(BufReader::with_capacity(1 << 16, file.take(end - start)))
}

/// The 1-based number of the line that starts at byte `start` (counts the
/// newlines before it: only done to name a line in an error).
pub(super) fn line_number_at(path: &Path, start: u64) -> Result<usize> {
    let io_err = |source| Error::Io { file: path.to_path_buf(), source };
    let file = File::open(path).map_err(io_err)?;
    let mut reader = BufReader::with_capacity(1 << 16, file.take(start));
    let mut newlines = 0;
    loop {
        let buf = reader.fill_buf().map_err(io_err)?;
        if buf.is_empty() {
            return Ok(newlines + 1);
        }
        newlines += buf.iter().filter(|&&b| b == b'\n').count();
        let n = buf.len();
        reader.consume(n);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_cover_every_line_once_in_order() {
        let dir = std::env::temp_dir().join(format!("kern-share-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("lines.txt");
        let text: String = (0..37).map(|i| format!("line {i} {}\n", "x".repeat(i % 7))).collect();
        std::fs::write(&path, &text).unwrap();
        for count in 1..=9 {
            let mut joined = Vec::new();
            for index in 0..count {
                let mut file = File::open(&path).unwrap();
                let (start, end) = byte_range(&path, &mut file, Share { index, count }).unwrap();
                let mut part = Vec::new();
                range_reader(&path, file, start, end).unwrap().read_to_end(&mut part).unwrap();
                assert!(part.is_empty() || part.ends_with(b"\n"), "share {index}/{count} ends mid-line");
                let first = line_number_at(&path, start).unwrap();
                assert_eq!(first, text[..start as usize].matches('\n').count() + 1);
                joined.extend(part);
            }
            assert_eq!(joined, text.as_bytes(), "{count} shares");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
