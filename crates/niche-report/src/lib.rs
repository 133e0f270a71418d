//! The report of a study: SVG figures (and their PNG renderings) in the paper's layout (Figure 1 cohort; Figure 2 CXCL12,
//! CXCR4-PE histograms, CXCR4 MFI; Figure 3 Annexin V/PI density plots, apoptosis, blots with Bax
//! and Bcl-2), a self-contained HTML page, a text report and CSV/JSON tables. No science here:
//! everything drawn comes from [`niche_study`]'s results.
//!
//! Every string that comes from an input file (study names, group labels, file names, warnings)
//! is escaped ([`svg::escape`]); the page carries a Content-Security-Policy that forbids scripts
//! and network access.
//!
//! - [`report::write_report`]: everything into one directory (figures, `report.html`,
//!   `report.txt`, `tables/`); [`figures`]: one function per figure; [`svg`]: the drawing
//!   primitives; [`parquet`]: the tables as Parquet; `png` (the default `png` feature): PNG copies
//!   of the figures. `report.html` is the template `templates/report.html` (embedded), rendered
//!   by minijinja from data formatted here, every value through [`svg::escape`].
//!
//! ```
//! use niche_report::svg::Svg;
//!
//! let mut figure = Svg::new(120.0, 40.0);
//! figure.text(60.0, 24.0, "middle", 12.0, "CXCR4 <PE>");
//! let document = figure.finish("a label from an input file");
//! assert!(document.starts_with("<svg") && document.contains("CXCR4 &lt;PE&gt;"));
//! ```

pub mod figures;
mod html;
pub mod parquet;
#[cfg(feature = "png")]
pub mod png;
pub mod report;
pub mod svg;

pub use report::{ReportFiles, WriteError, text, write_report};
