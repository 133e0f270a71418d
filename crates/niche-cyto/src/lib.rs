//! Cytometry analysis: compensation, Gating-ML 2.0 transforms and gates, gating strategies and
//! population statistics.
//!
//! - [`Sample`]: a data set's events (from `niche-fcs`) and its spillover.
//! - [`Compensation`]: spectrum matrices and unmixing; [`Scale`] and [`Transformation`]: `flin`,
//!   `flog`, `fasinh`, [`Logicle`], [`Hyperlog`], `fratio`, with bounds.
//! - [`Gate`] shapes (rectangle, polygon, ellipsoid, quadrants, boolean) on [`Dimension`]s,
//!   gathered in a [`GatingStrategy`] that [`gatingml::parse`] reads and [`gatingml::write`] writes.
//! - [`GatingStrategy::apply`] gives [`GatingResults`]: per population `count`,
//!   `absolute_percent`, `relative_percent` and one membership flag per event;
//! - [`controls::spillover_from_controls`] estimates a spillover matrix from single-stain controls;
//! - [`flowjo::parse`] reads a FlowJo workspace; [`flowjo::FlowJoWorkspace::strategy`] turns a
//!   sample's tree into a [`GatingStrategy`] (with FlowJo's `biex` as [`Scale::FlowJoBiex`]);
//!   [`stats::population_stats`] describes a channel within a population.
//!
//! ```
//! use niche_cyto::{gatingml, Sample};
//! use niche_fcs as fcs;
//!
//! let xml = r#"<gating:Gating-ML xmlns:gating="http://www.isac-net.org/std/Gating-ML/v2.0/gating"
//!     xmlns:data-type="http://www.isac-net.org/std/Gating-ML/v2.0/datatypes">
//!   <gating:RectangleGate gating:id="bright">
//!     <gating:dimension gating:min="10"><data-type:fcs-dimension data-type:name="FL2-H"/></gating:dimension>
//!   </gating:RectangleGate>
//! </gating:Gating-ML>"#;
//! let strategy = gatingml::parse(xml)?;
//! let events = fcs::Events::from_columns(vec!["FL2-H".into()], vec![vec![1.0, 20.0, 30.0, 5.0]])?;
//! let sample = Sample { id: "tube".into(), events, spillover: None };
//! let results = strategy.apply(&sample)?;
//! assert_eq!(results.population("bright").unwrap().count, 2);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod biexponential;
mod compensation;
pub mod controls;
mod error;
mod evaluate;
pub mod flowjo;
mod gate;
pub mod gatingml;
mod sample;
pub mod stats;
mod strategy;
mod table;
mod transform;
pub mod xml;

pub use biexponential::{Hyperlog, Logicle};
pub use compensation::Compensation;
pub use error::{Error, Result, XmlDocument};
pub use evaluate::BufferPool;
pub use flowjo::FlowJoBiex;
pub use gate::{BooleanOp, CompensationRef, Dimension, Divider, Gate, Quadrant, Shape, Source};
pub use sample::Sample;
pub use strategy::{GatingResults, GatingStrategy, PopulationResult};
pub use transform::{Scale, TransformKind, Transformation};

/// The seed study's gating strategy as Gating-ML 2.0: `Lymphoblasts` (FSC-H/SSC-H polygon),
/// `CD45+CD19+` (FL3-H/FL4-H), the Annexin V (FL1-H) / PI (FL3-H) quadrants `Viable`,
/// `EarlyApoptotic`, `LateApoptotic`, `Necrotic`, and `Apoptotic` = early + late.
pub const SEED_GATING_ML: &str = include_str!("../strategies/seed_flow.xml");

/// The same strategy for LSRFortessa-like data (linear 18-bit area/height/width, FACSDiva channel
/// names), with the same population ids: `Singlets` (FSC-A/FSC-H), `Lymphoblasts` (FSC-A/SSC-A),
/// `CD45+CD19+` (compensated PerCP-Cy5-5-A/APC-A on a logicle scale), the Annexin V (FITC-A) / PI
/// (PerCP-Cy5-5-A) quadrants and `Apoptotic` = early + late.
pub const SEED_FORTESSA_GATING_ML: &str = include_str!("../strategies/seed_fortessa.xml");
