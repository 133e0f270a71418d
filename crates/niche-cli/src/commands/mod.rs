//! One module per subcommand group.

pub mod fcs;
pub mod output;
