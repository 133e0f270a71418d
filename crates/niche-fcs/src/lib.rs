//! Flow Cytometry Standard (FCS 2.0, 3.0, 3.1, 3.2) reading and writing.
//!
//! - [`Reader`] memory-maps a file and parses every data set (`$NEXTDATA`): the [`Header`],
//!   primary and supplemental TEXT as [`Keywords`], the [`Parameter`]s, the ANALYSIS segment.
//!   Events are decoded on demand by [`DataSet::events`] into column-major [`Events`] of `f32` or
//!   `f64`, either [`Values::Raw`] or [`Values::Scaled`] (FlowIO's "preprocessed" values).
//! - Known file faults are typed [`Error`]s unless [`ReadOptions`] says to recover, in which case
//!   a [`Warning`] is kept beside the result.
//! - [`DataSet::spillover`] parses `$SPILLOVER`, `SPILL`, `$COMP` and `$DFCiTOj` into a [`Spillover`].
//! - [`Writer`] writes FCS 2.0–3.2 with `I`, `F` or `D` data.
//!
//! ```
//! use niche_fcs as fcs;
//!
//! let parameters = vec![fcs::Parameter {
//!     index: 1,
//!     name: "FL2-H".into(),
//!     label: Some("CD184 PE".into()),
//!     bits: Some(16),
//!     range: 1024.0,
//!     amplification: fcs::Amplification { decades: 4.0, offset: 1.0 },
//!     gain: None,
//! }];
//! let events = fcs::Events::from_columns(vec!["FL2-H".into()], vec![vec![0.0, 256.0, 1023.0]])?;
//! let mut bytes = Vec::new();
//! fcs::Writer::new(fcs::Version::Fcs3_1, fcs::DataType::Integer).write(
//!     &mut bytes, &parameters, &events, &fcs::Keywords::new(), None)?;
//!
//! let file = fcs::Reader::default().read_bytes(bytes)?;
//! let scaled = file.datasets[0].events::<f64>(fcs::Values::Scaled)?;
//! assert!((scaled.column(0)[1] - 10.0).abs() < 1e-12); // 10^(4 · 256 / 1024)
//! # Ok::<(), fcs::Error>(())
//! ```

mod decode;
mod error;
mod events;
mod header;
mod layout;
mod options;
mod parameter;
mod reader;
mod spillover;
mod text;
mod writer;

pub use decode::EventValue;
pub use error::{Error, Result, SegmentKind, Warning};
pub use events::Events;
pub use header::{HEADER_LEN, Header, Segment, Version};
pub use layout::DataType;
pub use options::ReadOptions;
pub use parameter::{Amplification, Parameter};
pub use reader::{DataSet, Fcs, Reader, Values};
pub use spillover::Spillover;
pub use text::{Keyword, Keywords};
pub use writer::Writer;

/// Reads the file at `path` with [`ReadOptions::default`].
pub fn read(path: impl AsRef<std::path::Path>) -> Result<Fcs> {
    Reader::default().read_path(path)
}
