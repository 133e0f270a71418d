//! Criterion benchmark: the full Gating-ML compliance gate set on 1,000,000 events.
#![allow(missing_docs)] // criterion_group! generates undocumented items

fn main() {}
