//! Times background subtraction on a large blot, for comparison with ImageJ on the same file
//! (`bench/blot.sh`).
//!
//! `cargo run --release -p niche-assay --example bench_blot -- write BLOT.tif`: writes a
//! 2048 × 2048 16-bit blot (8 lanes × 3 bands on a tilted background with noise).
//! `cargo run --release -p niche-assay --example bench_blot -- time BLOT.tif [REPEATS]`: median
//! times of the rolling ball and the sliding paraboloid (radius 50, ImageJ's defaults otherwise).

use std::path::Path;
use std::time::Instant;

use niche_assay::blot::background::{background_surface, subtract_like_imagej};
use niche_assay::blot::{BackgroundMethod, BackgroundOptions, GrayImage};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let path = Path::new(args.get(1).ok_or("usage: bench_blot write|time BLOT.tif [REPEATS]")?);
    match args[0].as_str() {
        "write" => write(path)?,
        "time" => time(path, args.get(2).map(|s| s.parse()).transpose()?.unwrap_or(10))?,
        other => return Err(format!("unknown mode {other}").into()),
    }
    Ok(())
}

fn write(path: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let n = 2048usize;
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut pixels = vec![0f32; n * n];
    for y in 0..n {
        for x in 0..n {
            let mut v = 2000.0 + 3.0 * x as f64 + 2.0 * y as f64;
            for lane in 0..8 {
                let dx = (x as f64 - (128.0 + 256.0 * lane as f64)) / 60.0;
                for (band, cy) in [500.0, 1100.0, 1600.0].iter().enumerate() {
                    let dy = (y as f64 - cy - 20.0 * dx * dx) / 14.0;
                    v += (8000.0 + 3000.0 * band as f64 + 500.0 * lane as f64) * (-(dx * dx + dy * dy) / 2.0).exp();
                }
            }
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            v += ((state >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 200.0;
            pixels[y * n + x] = v as f32;
        }
    }
    let raw: Vec<u16> = pixels.iter().map(|v| v.round().clamp(0.0, 65535.0) as u16).collect();
    let image = image::ImageBuffer::<image::Luma<u16>, Vec<u16>>::from_raw(n as u32, n as u32, raw).ok_or("size")?;
    image.save_with_format(path, image::ImageFormat::Tiff)?;
    Ok(())
}

fn time(path: &Path, repeats: usize) -> Result<(), Box<dyn std::error::Error>> {
    let image = GrayImage::open(path)?;
    for (name, method) in
        [("rolling_ball_r50", BackgroundMethod::RollingBall), ("paraboloid_r50", BackgroundMethod::SlidingParaboloid)]
    {
        let options = BackgroundOptions { method, ..Default::default() };
        let mut times = Vec::with_capacity(repeats);
        let mut checksum = 0f64;
        for _ in 0..repeats {
            let start = Instant::now();
            let background = background_surface(&image.pixels, image.width, image.height, &options);
            let out = subtract_like_imagej(&image.pixels, &background, image.max_value, false);
            times.push(start.elapsed().as_secs_f64() * 1e3);
            checksum = out.iter().map(|&v| f64::from(v)).sum();
        }
        times.sort_by(f64::total_cmp);
        println!("{name} median_ms {:.2} sum {checksum:.0}", times[times.len() / 2]);
    }
    Ok(())
}
