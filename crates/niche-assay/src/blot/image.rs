//! Blot images: 8- or 16-bit grayscale TIFF and PNG, held as `f32` grey levels row by row (read
//! only: the virtual blot imager in `niche-lab` writes its TIFFs with the same `image` codec).

use std::path::Path;

use crate::error::{Error, Result};

/// Widest or tallest image decoded, in pixels (a 600 dpi scan of a 40 cm film is 9,450).
pub const MAX_IMAGE_SIDE: u32 = 32_768;
/// Most bytes the decoder may allocate for one image (1 GiB: 32,768 × 16,384 16-bit grey).
pub const MAX_IMAGE_BYTES: u64 = 1 << 30;

/// A grayscale image, row-major, with the largest value its bit depth can hold.
#[derive(Debug, Clone, PartialEq)]
pub struct GrayImage {
    /// Columns.
    pub width: usize,
    /// Rows.
    pub height: usize,
    /// Grey levels, `pixels[y * width + x]`.
    pub pixels: Vec<f32>,
    /// 255 for 8-bit images, 65535 for 16-bit: the detector's saturation level.
    pub max_value: f32,
    /// Conversions made on reading (colour to grey, alpha dropped).
    pub warnings: Vec<String>,
}

impl GrayImage {
    /// A grayscale image from row-major values of the given bit depth (8 or 16).
    pub fn from_pixels(width: usize, height: usize, pixels: Vec<f32>, bits: u8) -> Result<GrayImage> {
        if pixels.len() != width * height || width == 0 || height == 0 {
            return Err(Error::Image { reason: format!("{} values for a {width} × {height} image", pixels.len()) });
        }
        let max_value = match bits {
            8 => 255.0,
            16 => 65535.0,
            _ => return Err(Error::Image { reason: format!("{bits}-bit images are not supported (8 or 16)") }),
        };
        Ok(GrayImage { width, height, pixels, max_value, warnings: Vec::new() })
    }

    /// Reads a TIFF or PNG file (format from its content). Colour images are converted to grey as
    /// ImageJ does by default, `round((R + G + B) / 3)`, with a warning.
    pub fn open(path: &Path) -> Result<GrayImage> {
        let bytes = std::fs::read(path).map_err(|source| Error::File { action: "read", path: path.into(), source })?;
        GrayImage::decode(&bytes).map_err(|e| Error::InImage { path: path.into(), source: Box::new(e) })
    }

    /// Decodes TIFF or PNG bytes. Width and height are checked against [`MAX_IMAGE_SIDE`] and the
    /// decoder's allocation against [`MAX_IMAGE_BYTES`] before any pixel is decoded.
    pub fn decode(bytes: &[u8]) -> Result<GrayImage> {
        let mut reader = image::ImageReader::new(std::io::Cursor::new(bytes))
            .with_guessed_format()
            .map_err(|e| Error::Decode(image::ImageError::IoError(e)))?;
        let mut limits = image::Limits::default();
        limits.max_image_width = Some(MAX_IMAGE_SIDE);
        limits.max_image_height = Some(MAX_IMAGE_SIDE);
        limits.max_alloc = Some(MAX_IMAGE_BYTES);
        reader.limits(limits);
        match reader.format() {
            Some(image::ImageFormat::Tiff | image::ImageFormat::Png) => {}
            Some(other) => {
                return Err(Error::Image { reason: format!("{other:?} images are not read; use TIFF or PNG") });
            }
            None => return Err(Error::Image { reason: "not a TIFF or PNG image".into() }),
        }
        let decoded = reader.decode().map_err(|e| match e {
            image::ImageError::Limits(_) => {
                Error::ImageTooLarge { max_side: MAX_IMAGE_SIDE, max_bytes: MAX_IMAGE_BYTES, source: e }
            }
            e => Error::Decode(e),
        })?;
        let (width, height) = (decoded.width() as usize, decoded.height() as usize);
        let mut warnings = Vec::new();
        let (pixels, bits): (Vec<f32>, u8) = match decoded {
            image::DynamicImage::ImageLuma8(img) => (img.into_raw().into_iter().map(f32::from).collect(), 8),
            image::DynamicImage::ImageLuma16(img) => (img.into_raw().into_iter().map(f32::from).collect(), 16),
            image::DynamicImage::ImageLumaA8(img) => {
                warnings.push("alpha channel ignored".to_string());
                (img.into_raw().chunks_exact(2).map(|p| f32::from(p[0])).collect(), 8)
            }
            image::DynamicImage::ImageLumaA16(img) => {
                warnings.push("alpha channel ignored".to_string());
                (img.into_raw().chunks_exact(2).map(|p| f32::from(p[0])).collect(), 16)
            }
            image::DynamicImage::ImageRgb8(img) => {
                warnings.push("colour image converted to grey as (R + G + B) / 3".to_string());
                (img.into_raw().chunks_exact(3).map(mean_of_three_u8).collect(), 8)
            }
            image::DynamicImage::ImageRgba8(img) => {
                warnings.push("colour image converted to grey as (R + G + B) / 3, alpha ignored".to_string());
                (img.into_raw().chunks_exact(4).map(mean_of_three_u8).collect(), 8)
            }
            image::DynamicImage::ImageRgb16(img) => {
                warnings.push("colour image converted to grey as (R + G + B) / 3".to_string());
                (img.into_raw().chunks_exact(3).map(mean_of_three_u16).collect(), 16)
            }
            image::DynamicImage::ImageRgba16(img) => {
                warnings.push("colour image converted to grey as (R + G + B) / 3, alpha ignored".to_string());
                (img.into_raw().chunks_exact(4).map(mean_of_three_u16).collect(), 16)
            }
            other => {
                return Err(Error::Image {
                    reason: format!("{:?} pixels are not supported; use 8- or 16-bit grey", other.color()),
                });
            }
        };
        let mut image = GrayImage::from_pixels(width, height, pixels, bits)?;
        image.warnings = warnings;
        Ok(image)
    }

    /// The grey level at column `x`, row `y`.
    pub fn get(&self, x: usize, y: usize) -> f32 {
        self.pixels[y * self.width + x]
    }
}

fn mean_of_three_u8(p: &[u8]) -> f32 {
    ((f32::from(p[0]) + f32::from(p[1]) + f32::from(p[2])) / 3.0).round()
}

fn mean_of_three_u16(p: &[u16]) -> f32 {
    ((f32::from(p[0]) + f32::from(p[1]) + f32::from(p[2])) / 3.0).round()
}
