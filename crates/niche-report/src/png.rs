//! PNG renderings of the SVG figures (resvg), at twice the SVG's size. Text needs a sans-serif
//! system font (Liberation Sans or DejaVu Sans on Debian); without one the PNGs have no labels
//! and the SVGs, which browsers render with their own fonts, remain the reference.

use std::sync::OnceLock;

use resvg::{tiny_skia, usvg};

fn options() -> &'static usvg::Options<'static> {
    static OPTIONS: OnceLock<usvg::Options<'static>> = OnceLock::new();
    OPTIONS.get_or_init(|| {
        let mut options = usvg::Options::default();
        let fonts = options.fontdb_mut();
        fonts.load_system_fonts();
        for family in ["Liberation Sans", "DejaVu Sans", "Arial", "Helvetica"] {
            if fonts.faces().any(|f| f.families.iter().any(|(name, _)| name == family)) {
                fonts.set_sans_serif_family(family);
                break;
            }
        }
        options
    })
}

/// The PNG of an SVG document, or the reason it could not be made.
pub fn render(svg: &str) -> Result<Vec<u8>, String> {
    let tree = usvg::Tree::from_str(svg, options()).map_err(|e| e.to_string())?;
    let size = tree.size().to_int_size();
    let mut pixmap = tiny_skia::Pixmap::new(size.width() * 2, size.height() * 2).ok_or("empty figure")?;
    resvg::render(&tree, tiny_skia::Transform::from_scale(2.0, 2.0), &mut pixmap.as_mut());
    pixmap.encode_png().map_err(|e| e.to_string())
}
