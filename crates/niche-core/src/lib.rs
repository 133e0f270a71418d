//! What every niche layer shares, so that no crate needs a sideways edge for it:
//!
//! - [`Assay`]: the kinds of assay (`flow`, `elisa`, `blot`), as the lab files them and a
//!   study's readouts name them;
//! - [`Well`]: a well of a 96-well plate, named as plate maps name it (`B7`, `b07`), used by the
//!   analysis of plates (`niche-assay`) and by the virtual plate reader (`niche-lab`) alike;
//! - [`atomic`]: files written whole, through a temporary file beside the target renamed into
//!   place, used by every crate that writes a file (FCS, TIFF, tables, reports, CLI output).
//!
//! ```
//! use niche_core::{Well, atomic};
//!
//! let well: Well = "B07".parse()?;
//! assert_eq!(well.to_string(), "B7");
//! let dir = tempfile::tempdir()?;
//! atomic::write(&dir.path().join("layout.txt"), format!("{well} = standard\n").as_bytes())?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod assay;
pub mod atomic;
mod well;

pub use assay::Assay;
pub use well::{Well, WellError};
