//! `reproduce`: the seed study end to end (model → virtual lab → analysis → report), as
//! `niche reproduce` runs it, with its progress bar on stderr.

use std::path::PathBuf;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use niche_study::provenance::{InputFile, Provenance, sha256};
use niche_study::reproduce::Headline;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::error::{err, invalid};

fn bar(prefix: &'static str, show: bool) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(
        Some(0),
        if show { ProgressDrawTarget::stderr() } else { ProgressDrawTarget::hidden() },
    );
    bar.set_style(
        ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_prefix(prefix);
    bar
}

fn follow(bar: &ProgressBar) -> impl Fn(usize, usize, &str) + Sync + '_ {
    move |done, total, what| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
        bar.set_message(what.to_string());
    }
}

/// Runs the seed study into `out_dir` (which must not exist unless `force`): raw files, report,
/// tables. Returns a dict with `out_dir`, `files` (relative paths), `headline` and `text` (the
/// text report). The GIL is released throughout.
#[pyfunction]
#[pyo3(signature = (out_dir, events = 20_000, seed = 1, sampling = "random", instrument = "facscalibur", repeats = 0, validate = false, force = false, progress = true))]
#[allow(clippy::too_many_arguments)]
fn reproduce<'py>(
    py: Python<'py>,
    out_dir: PathBuf,
    events: usize,
    seed: u64,
    sampling: &str,
    instrument: &str,
    repeats: usize,
    validate: bool,
    force: bool,
    progress: bool,
) -> PyResult<Bound<'py, PyDict>> {
    if !(100..=5_000_000).contains(&events) {
        return Err(invalid(format!("events={events}: give 100 to 5,000,000 per tube")));
    }
    let shown = out_dir.display().to_string();
    let sampling: niche_model::sampling::Sampling =
        sampling.parse().map_err(|e: String| invalid(format!("sampling {sampling:?}: {e}")))?;
    let instrument: niche_lab::Instrument = instrument.parse().map_err(err("instrument"))?;
    let (files, headline, text) = py
        .detach(|| -> Result<_, String> {
            let fail = |e: &(dyn std::error::Error + 'static)| crate::error::message(&shown, e);
            let staged = niche_study::output::StagedDir::begin(&out_dir, force, &[]).map_err(|e| fail(&e))?;
            let out = staged.path().to_path_buf();
            let main = bar("reproduce", progress);
            let settings =
                niche_study::reproduce::RunSettings { events, seed, sampling, instrument, repeats, validate };
            // the replications' bar replaces the run's when the first replication starts
            let replications = std::sync::OnceLock::new();
            let reproduction = niche_study::reproduce::run(&out, &settings, &follow(&main), &|done, total, what| {
                let replicate = replications.get_or_init(|| {
                    main.finish_and_clear();
                    bar("replicate", progress)
                });
                follow(replicate)(done, total, what)
            })
            .map_err(|e| fail(&e))?;
            main.finish_and_clear();
            replications.get().inspect(|b| b.finish_and_clear());
            let inputs = reproduction
                .input_files(&out)
                .iter()
                .map(|p| sha256(p).map(|f| InputFile { path: staged.shown(p).display().to_string(), ..f }))
                .collect::<Result<_, _>>()
                .map_err(|e| fail(&e))?;
            let provenance = Provenance::reproduce(seed, events, &sampling, repeats, inputs);
            let written = niche_report::write_report(&out, &reproduction.results, Some(&reproduction), &provenance)
                .map_err(|e| fail(&e))?;
            staged.commit().map_err(|e| fail(&e))?;
            let headline = Headline::of(&reproduction.records).sentence();
            let text = niche_report::text(&reproduction.results, Some(&reproduction));
            Ok((written.files, headline, text))
        })
        .map_err(invalid)?;
    let d = PyDict::new(py);
    d.set_item("out_dir", out_dir)?;
    d.set_item("files", files)?;
    d.set_item("headline", headline)?;
    d.set_item("text", text)?;
    Ok(d)
}

/// Adds this module's functions.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(reproduce, m)?)?;
    Ok(())
}
