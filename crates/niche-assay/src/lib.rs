//! ELISA standard curves and plate layouts.
//!
//! - [`Plate`]: a 96-well read from a Gen5-style export or a plain 8 × 12 grid.
//! - [`Layout`]: blanks, standards, samples and dilutions by well (TOML).
//! - [`curve`]: 4PL/5PL fits in Prism's parameterisation, unweighted or weighted by 1/Y or 1/Y² of
//!   the curve, with SEs and R², and their inversion.
//! - [`elisa::analyze`]: blank subtraction, replicate means and CVs, the standard curve,
//!   back-interpolated samples (× dilution) flagged `<LLOQ`/`>ULOQ`, and % recovery of standards.

pub mod curve;
pub mod elisa;
mod error;
mod layout;
mod plate;

pub use error::{Error, Result};
pub use layout::Layout;
pub use plate::{Plate, parse_well};
