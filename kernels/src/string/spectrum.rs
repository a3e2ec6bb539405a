//! Feature maps of the spectrum and mismatch kernels: a string's k-mers
//! counted (spectrum), or each k-mer's Hamming ball of radius m over an
//! alphabet counted (mismatch, Leslie et al. 2004).

use crate::structured::mix_all;

/// The id of a k-mer: its bytes packed exactly when k ≤ 7 (tagged with k),
/// hashed beyond.
pub(crate) fn kmer_id(kmer: &[u8]) -> u64 {
    if kmer.len() <= 7 {
        kmer.iter().fold(kmer.len() as u64, |id, &b| (id << 8) | b as u64)
    } else {
        mix_all(kmer.len() as u64, kmer.iter().map(|&b| b as u64))
    }
}

/// Pushes the id of every k-mer of `seq`.
pub(crate) fn spectrum_features(seq: &[u8], k: usize, out: &mut Vec<u64>) {
    if seq.len() >= k {
        out.extend(seq.windows(k).map(kmer_id));
    }
}

/// Pushes, for every k-mer of `seq`, the id of every string within Hamming
/// distance `m` of it whose substituted letters come from `alphabet` (each
/// neighbour once: a neighbour is fixed by the set of positions that differ).
pub(crate) fn mismatch_features(seq: &[u8], k: usize, m: usize, alphabet: &[u8], out: &mut Vec<u64>) {
    if seq.len() < k {
        return;
    }
    let mut buf = vec![0u8; k];
    for kmer in seq.windows(k) {
        buf.copy_from_slice(kmer);
        neighbours(&mut buf, 0, m, alphabet, kmer, out);
    }
}

fn neighbours(buf: &mut [u8], from: usize, budget: usize, alphabet: &[u8], original: &[u8], out: &mut Vec<u64>) {
    out.push(kmer_id(buf));
    if budget == 0 {
        return;
    }
    for pos in from..buf.len() {
        for &letter in alphabet {
            if letter != original[pos] {
                buf[pos] = letter;
                neighbours(buf, pos + 1, budget - 1, alphabet, original, out);
            }
        }
        buf[pos] = original[pos];
    }
}

/// Size of a Hamming ball of radius `m` around a k-mer over `sigma` letters:
/// `Σ_{i ≤ m} C(k, i) (σ − 1)^i` (saturating).
pub(crate) fn ball_size(k: usize, m: usize, sigma: usize) -> u64 {
    let mut total: u64 = 0;
    let mut choose: u64 = 1;
    for i in 0..=m.min(k) {
        if i > 0 {
            choose = choose.saturating_mul((k - i + 1) as u64) / i as u64;
        }
        total = total.saturating_add(choose.saturating_mul((sigma.saturating_sub(1) as u64).saturating_pow(i as u32)));
    }
    total
}
