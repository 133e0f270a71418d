//! ELISA standard curves and plate layouts; Western-blot densitometry.
//!
//! - [`Plate`]: a 96-well read from a Gen5-style export or a plain 8 × 12 grid.
//! - [`Layout`]: blanks, standards, samples and dilutions by well (TOML).
//! - [`curve`]: 4PL/5PL fits in Prism's parameterisation, unweighted or weighted by 1/Y or 1/Y² of
//!   the curve, with SEs and R², and their inversion.
//! - [`elisa::analyze`]: blank subtraction, replicate means and CVs, the standard curve,
//!   back-interpolated samples (× dilution) flagged `<LLOQ`/`>ULOQ`, and % recovery of standards.
//! - [`blot`]: 8/16-bit TIFF and PNG blots, ImageJ's rolling-ball and sliding-paraboloid background,
//!   lane and band detection, band volumes, Gel-Analyzer profile areas, saturation, normalisation
//!   to the loading control and fold changes.
//!
//! ```no_run
//! use niche_assay::blot::{BlotLayout, GrayImage, quantify};
//! let image = GrayImage::open("blot.tif".as_ref())?;
//! let layout = BlotLayout::parse(&std::fs::read_to_string("blot.toml").unwrap())?;
//! for band in quantify(&image, &layout)?.bands {
//!     println!("{} {} {:.0} {:?}", band.lane, band.target, band.volume, band.fold_change);
//! }
//! # Ok::<(), niche_assay::Error>(())
//! ```

pub mod blot;
pub mod curve;
pub mod elisa;
mod error;
mod layout;
mod plate;

pub use error::{Error, Result};
pub use layout::Layout;
pub use niche_core::Well;
pub use plate::{MAX_PLATE_BYTES, MAX_PLATE_FIELDS, Plate};
