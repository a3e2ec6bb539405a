//! Past one machine (feature `mpi`): the processes that `mpirun -np P kern
//! ...` starts, as the engine's [`Collective`] over MPI (rsmpi on the
//! system's MPI library). The engine does the work: each process reads its
//! share of the rows ([`crate::io::Share`]) and fits with
//! [`crate::train::fit_shared`] or predicts its share; this layer only
//! carries bytes between the processes.
//!
//! Every collective gathers each process's part and adds them in rank
//! order, so all processes hold the same bits and a run is deterministic
//! for a given `P`.

use kern_solvers::collective::Collective;
use mpi::datatype::PartitionMut;
use mpi::environment::Universe;
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;

use crate::error::{Error, Result};

/// Environment variables that MPI launchers set in the processes they start
/// (Open MPI's mpirun, PMI and PMIx launchers: MPICH's, Slurm's).
const LAUNCHER_VARIABLES: [&str; 3] = ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"];

/// Most elements one MPI call moves (its counts are C `int`s).
const CHUNK: usize = 1 << 27;

/// The processes of this run, over MPI.
pub struct World {
    comm: SimpleCommunicator,
    rank: usize,
    size: usize,
    /// Finalises MPI when dropped: held last.
    _universe: Universe,
}

impl World {
    /// The processes an MPI launcher started, or `None` when this process
    /// was started on its own (then MPI is never initialised).
    pub fn from_launcher() -> Result<Option<World>> {
        if !LAUNCHER_VARIABLES.iter().any(|v| std::env::var_os(v).is_some()) {
            return Ok(None);
        }
        // Serialized: the command runs on a worker pool's thread, which may
        // not be the thread that called main; calls never overlap.
        let (universe, _) = mpi::initialize_with_threading(mpi::Threading::Serialized)
            .ok_or_else(|| Error::Usage("MPI was initialised twice".into()))?;
        let comm = universe.world();
        let (rank, size) = (comm.rank() as usize, comm.size() as usize);
        Ok(Some(World { comm, rank, size, _universe: universe }))
    }

    /// This process's number among the run's processes on its machine (the
    /// launcher's local rank: Open MPI's, MPICH's or Slurm's; 0 when none
    /// says): the GPU it opens is this one modulo the machine's count.
    pub fn local_rank(&self) -> usize {
        ["OMPI_COMM_WORLD_LOCAL_RANK", "MPI_LOCALRANKID", "SLURM_LOCALID"]
            .iter()
            .find_map(|v| std::env::var(v).ok()?.parse().ok())
            .unwrap_or(0)
    }

    /// Ends every process of the run with exit status `code` (a process that
    /// failed alone must not leave the others waiting in a collective).
    pub fn abort(&self, code: i32) -> ! {
        self.comm.abort(code)
    }
}

impl Collective for World {
    fn rank(&self) -> usize {
        self.rank
    }

    fn size(&self) -> usize {
        self.size
    }

    fn all_gather_bytes(&self, local: &[u8]) -> Vec<Vec<u8>> {
        let mut lengths = vec![0u64; self.size];
        self.comm.all_gather_into(&(local.len() as u64), &mut lengths[..]);
        let mut parts: Vec<Vec<u8>> = lengths.iter().map(|&l| Vec::with_capacity(l as usize)).collect();
        // Rounds of at most CHUNK / P bytes from each process, so that no
        // count or displacement passes a C int.
        let per_round = (CHUNK / self.size).max(1);
        let longest = lengths.iter().copied().max().unwrap_or(0) as usize;
        for round in 0..longest.div_ceil(per_round) {
            let piece = |len: u64| {
                let start = (round * per_round).min(len as usize);
                start..(start + per_round).min(len as usize)
            };
            let counts: Vec<i32> = lengths.iter().map(|&l| piece(l).len() as i32).collect();
            let displs: Vec<i32> = counts.iter().scan(0, |at, &c| Some(std::mem::replace(at, *at + c))).collect();
            let mut received = vec![0u8; counts.iter().map(|&c| c as usize).sum()];
            {
                let mut partition = PartitionMut::new(&mut received[..], &counts[..], &displs[..]);
                self.comm.all_gather_varcount_into(&local[piece(local.len() as u64)], &mut partition);
            }
            for (part, (&c, &d)) in parts.iter_mut().zip(counts.iter().zip(&displs)) {
                part.extend_from_slice(&received[d as usize..(d + c) as usize]);
            }
        }
        parts
    }

    fn broadcast(&self, values: &mut [f64], root: usize) {
        let root = self.comm.process_at_rank(root as i32);
        for chunk in values.chunks_mut(CHUNK) {
            root.broadcast_into(chunk);
        }
    }
}
