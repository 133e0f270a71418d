//! Text inputs read with their size checked first, so that a huge file is a clear error and not
//! an allocation of its size.

use std::io::Read;
use std::path::Path;

/// Largest study file, lab design, layout, plate export or CSV table read, in bytes (64 MiB:
/// a Gen5 export or a study of thousands of wells is a few MB).
pub const MAX_TEXT_BYTES: u64 = 64 << 20;

/// Reads `path` as UTF-8 text of at most `max` bytes; a larger file is an `InvalidData` error
/// that names both sizes.
pub fn read_text(path: &Path, max: u64) -> std::io::Result<String> {
    let file = std::fs::File::open(path)?;
    let len = file.metadata()?.len();
    if len > max {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("the file is {len} bytes, more than the {max}-byte limit for this kind of input"),
        ));
    }
    let mut text = String::with_capacity(len as usize);
    // `take` also bounds a file that grows while being read
    file.take(max + 1).read_to_string(&mut text)?;
    if text.len() as u64 > max {
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, format!("the file grew past {max} bytes")));
    }
    Ok(text)
}
