//! The seeded generator shared with the approximations.

pub(crate) use kern_approx::SplitMix64;
