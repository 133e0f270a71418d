//! One module per subcommand group.

pub mod blot;
pub mod comp;
pub mod csv;
pub mod elisa;
pub mod fcs;
pub mod format;
pub mod gate;
pub mod lab;
pub mod merge;
pub mod model;
pub mod output;
pub mod stats;
pub mod study;
pub mod study_init;
pub mod wsp;
