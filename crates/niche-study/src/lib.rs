//! Studies: the file a lab writes for its experiment ([`Study`]), the `analyze` pipeline that
//! takes every raw file through the analysis crates ([`analyze::analyze`] → [`analyze::Results`]),
//! the `reproduce` pipeline that runs the seed study from the model through the virtual lab and
//! sets every published number beside its reproduction ([`reproduce::reproduce`]), and
//! provenance ([`provenance`]), the model's calibration as `model fit` reports it ([`calibration`]), and sharded runs with exact merges ([`shard`]). Real and simulated
//! data go through exactly the same code.
//!
//! ```no_run
//! use niche_study::{Study, analyze::analyze};
//! let study = Study::open("study.toml".as_ref())?;
//! let results = analyze(&study, &|done, total, what| eprintln!("{done}/{total} {what}"))?;
//! for c in &results.comparisons {
//!     println!("{} {} vs {}: P = {:?}", c.readout, c.group, c.reference, c.p);
//! }
//! # Ok::<(), niche_study::Error>(())
//! ```

pub mod analyze;
pub mod calibration;
pub mod direction;
mod error;
pub mod init;
pub mod output;
pub mod provenance;
mod read;
pub mod reproduce;
pub mod shard;
pub mod study;

pub use error::{Error, InputError, Result};
pub use read::{MAX_TEXT_BYTES, read_text};
pub use study::{Readout, Study};
