//! Checkpoints of Falkon's conjugate gradient (`kern fit --checkpoint FILE`,
//! `--resume FILE`): the solver's [`CgState`] after every few iterations,
//! written atomically by process 0, so a fit that is killed goes on from
//! its last checkpoint and ends with the bits of an uninterrupted fit.
//!
//! A file is `KERNCKPT`, a format version (u32, little-endian) and the
//! state in postcard. The solver refuses a state of another system (other
//! data, centres or options) by a fingerprint of its right-hand side.

use std::path::{Path, PathBuf};

use kern_solvers::collective::Collective;
use kern_solvers::falkon::{CgState, Checkpoints};

use crate::error::{Error, Result};
use crate::model::write_atomically;

const MAGIC: &[u8; 8] = b"KERNCKPT";
const VERSION: u32 = 1;

/// Where a fit keeps its checkpoints.
#[derive(Clone, Debug, PartialEq)]
pub struct Checkpointing {
    /// Where to write the state (`None`: nowhere).
    pub save: Option<PathBuf>,
    /// Iterations between writes (at least 1).
    pub every: usize,
    /// A checkpoint to continue from.
    pub resume: Option<PathBuf>,
}

/// Checkpoints are the conjugate gradient's: `--approx falkon` only.
pub(crate) fn check_checkpointing(spec: &super::FitSpec) -> Result<()> {
    match &spec.checkpoint {
        Some(_) if spec.approx.method != super::Approx::Falkon => Err(Error::Usage(
            "--checkpoint and --resume keep the state of Falkon's conjugate gradient: they need --approx falkon".into(),
        )),
        Some(c) if c.every == 0 => Err(Error::Usage("--checkpoint-every must be at least 1 iteration".into())),
        _ => Ok(()),
    }
}

/// The bytes of a checkpoint file holding `state`.
pub fn encode_checkpoint(state: &CgState) -> Vec<u8> {
    let mut bytes = MAGIC.to_vec();
    bytes.extend(VERSION.to_le_bytes());
    bytes.extend(postcard::to_stdvec(state).expect("a state serialises"));
    bytes
}

/// The state in the bytes of checkpoint file `file`.
pub fn decode_checkpoint(bytes: &[u8], file: &Path) -> Result<CgState> {
    let bad = |why: String| Error::Checkpoint { file: file.to_path_buf(), why };
    if bytes.len() < 12 || &bytes[..8] != MAGIC {
        return Err(bad("not a kern checkpoint (it does not start with KERNCKPT)".into()));
    }
    let version = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes"));
    if version != VERSION {
        return Err(bad(format!("checkpoint format {version}: this kern reads format {VERSION}")));
    }
    postcard::from_bytes(&bytes[12..]).map_err(|e| bad(format!("a damaged checkpoint ({e})")))
}

/// The state to resume from, read by process 0 and sent to all (every
/// process meets the same error when it cannot be read).
pub(crate) fn read_resumed(file: &Path, collective: &dyn Collective) -> Result<CgState> {
    let read = match collective.rank() {
        0 => std::fs::read(file).map_err(|e| e.to_string()),
        _ => Ok(Vec::new()),
    };
    let message = match &read {
        Ok(bytes) => [&[1u8][..], bytes].concat(),
        Err(why) => [&[0u8][..], why.as_bytes()].concat(),
    };
    let first = collective.all_gather_bytes(&message).swap_remove(0);
    match first.split_first() {
        Some((1, bytes)) => decode_checkpoint(bytes, file),
        Some((_, why)) => Err(Error::Checkpoint { file: file.to_path_buf(), why: String::from_utf8_lossy(why).into() }),
        None => unreachable!("process 0 sends a flag"),
    }
}

/// Checkpoints as the solver takes them: saved by process 0 to `save`
/// every `every` iterations, the run going on from `resume`.
pub(crate) fn solver_checkpoints<'a>(
    checkpointing: &'a Checkpointing,
    collective: &dyn Collective,
    saver: &'a (dyn Fn(&CgState) -> std::result::Result<(), String> + 'a),
) -> Result<Checkpoints<'a>> {
    let resume = match &checkpointing.resume {
        Some(file) => Some(read_resumed(file, collective)?),
        None => None,
    };
    Ok(Checkpoints { every: checkpointing.every.max(1), save: saver, resume })
}

/// Writes `state` to `file` atomically when this is process 0.
pub(crate) fn save_state(file: Option<&Path>, rank: usize, state: &CgState) -> std::result::Result<(), String> {
    match file {
        Some(file) if rank == 0 => write_atomically(file, &encode_checkpoint(state)).map_err(|e| e.to_string()),
        _ => Ok(()),
    }
}
