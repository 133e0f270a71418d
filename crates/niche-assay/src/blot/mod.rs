//! Western-blot densitometry: read the image, subtract the background as ImageJ does, find lanes
//! and bands, measure volumes, normalise to the loading control.
//!
//! [`quantify`] is the whole path; [`background`] can be used on its own (ImageJ's "Subtract
//! Background…").

pub mod background;
mod detect;
mod image;
mod layout;
mod quantify;

pub use background::{BackgroundMethod, BackgroundOptions};
pub use image::{GrayImage, MAX_IMAGE_BYTES, MAX_IMAGE_SIDE};
pub use layout::{BlotLayout, LaneSpec, TargetSpec};
pub use quantify::{Band, BandRow, BlotResult, GroupSummary, Lane, quantify};
