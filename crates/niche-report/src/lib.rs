//! The report of a study: SVG figures (and their PNG renderings) in the paper's layout (Figure 1 cohort; Figure 2 CXCL12,
//! CXCR4-PE histograms, CXCR4 MFI; Figure 3 Annexin V/PI density plots, apoptosis, blots with Bax
//! and Bcl-2), a self-contained HTML page, a text report and CSV/JSON tables. No science here:
//! everything drawn comes from [`niche_study`]'s results.
//!
//! Every string that comes from an input file (study names, group labels, file names, warnings)
//! is escaped ([`svg::escape`]); the page carries a Content-Security-Policy that forbids scripts
//! and network access.

pub mod figures;
pub mod parquet;
pub mod png;
pub mod report;
pub mod svg;

pub use report::{ReportFiles, WriteError, text, write_report};
