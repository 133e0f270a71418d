//! [`Sample`]: one tube's events with channel names and its spillover matrix.

use niche_fcs as fcs;

use crate::error::{Error, Result};

/// The events of one data set, ready for gating.
#[derive(Debug, Clone)]
pub struct Sample {
    /// A name for reports, e.g. the file name.
    pub id: String,
    /// Column-major values.
    pub events: fcs::Events<f64>,
    /// The file's own spillover matrix, if it has one.
    pub spillover: Option<fcs::Spillover>,
}

impl Sample {
    /// Reads a data set's events (`Values::Scaled` is what Gating-ML gates expect: `$PnE` and
    /// `$PnG` applied) and its spillover.
    pub fn from_dataset(id: impl Into<String>, dataset: &fcs::DataSet, values: fcs::Values) -> Result<Self> {
        Ok(Sample { id: id.into(), events: dataset.events(values)?, spillover: dataset.spillover()? })
    }

    /// Number of events.
    pub fn n_events(&self) -> usize {
        self.events.n_events()
    }

    /// The values of channel `name`, or an error listing the channels there are.
    pub fn channel(&self, name: &str) -> Result<&[f64]> {
        self.events
            .column_by_name(name)
            .ok_or_else(|| Error::UnknownChannel { name: name.to_string(), available: self.events.names().join(", ") })
    }
}
