//! Prints the seed groups' 24 h readouts for the literature parameters (a development aid).
fn main() -> Result<(), niche_model::Error> {
    let p = niche_model::Parameters::literature();
    for (id, r) in niche_model::calibrate::seed_readouts(&p, Default::default())? {
        println!("{id:<20} {r:?}");
    }
    Ok(())
}
