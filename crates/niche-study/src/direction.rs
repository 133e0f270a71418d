//! The direction of a mean against its reference, for readouts compared by direction only (Western
//! blots: [`crate::study::Test::Direction`]), with the band inside which a change is no change.

/// Ratios within `1 ± SAME_BAND` of the reference read as unchanged: ±10 %, about the replicate CV
/// of a densitometry ratio normalised to its loading control.
pub const SAME_BAND: f64 = 0.10;

/// Up, down or the same, as a blot is read against its reference lane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Mean above `(1 + SAME_BAND)` × the reference.
    Up,
    /// Mean below `(1 − SAME_BAND)` × the reference.
    Down,
    /// Within the band (also when the ratio is undefined).
    Same,
}

impl Direction {
    /// The direction of `mean` relative to `reference`, by their ratio.
    ///
    /// ```
    /// use niche_study::direction::Direction;
    /// assert_eq!(Direction::of(1.3, 1.0), Direction::Up);
    /// assert_eq!(Direction::of(0.95, 1.0), Direction::Same);
    /// assert_eq!(Direction::of(0.5, 1.0).arrow(), "↓");
    /// ```
    pub fn of(mean: f64, reference: f64) -> Direction {
        let ratio = mean / reference;
        if ratio > 1.0 + SAME_BAND {
            Direction::Up
        } else if ratio < 1.0 - SAME_BAND {
            Direction::Down
        } else {
            Direction::Same
        }
    }

    /// `↑`, `↓` or `=`.
    pub fn arrow(self) -> &'static str {
        match self {
            Direction::Up => "↑",
            Direction::Down => "↓",
            Direction::Same => "=",
        }
    }
}
