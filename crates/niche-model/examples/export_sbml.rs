//! Writes the SBML export of the VCR + AMD3100 co-culture to stdout.
fn main() -> Result<(), niche_model::Error> {
    let c = niche_model::Condition { msc: true, vcr_um: 1.0, amd_ug_per_ml: 5.0 };
    print!("{}", niche_model::sbml::to_sbml(&niche_model::Parameters::default(), &c)?);
    Ok(())
}
