//! [`Events`]: a column-major matrix of event values with channel names.

use crate::error::{Error, Result};

/// Event values, column-major: each channel's values are contiguous.
#[derive(Debug, Clone, PartialEq)]
pub struct Events<T> {
    names: Vec<String>,
    n_events: usize,
    values: Vec<T>,
}

impl<T: Copy> Events<T> {
    /// Wraps column-major `values` (`names.len()` columns of `n_events` each).
    pub fn new(names: Vec<String>, n_events: usize, values: Vec<T>) -> Result<Self> {
        if names.len().checked_mul(n_events) != Some(values.len()) {
            return Err(Error::InvalidWrite {
                reason: format!("{} values do not make {} channels of {n_events} events", values.len(), names.len()),
            });
        }
        Ok(Events { names, n_events, values })
    }

    /// Builds from one vector per channel, all of the same length.
    pub fn from_columns(names: Vec<String>, columns: Vec<Vec<T>>) -> Result<Self> {
        let n_events = columns.first().map_or(0, Vec::len);
        if names.len() != columns.len() || columns.iter().any(|c| c.len() != n_events) {
            return Err(Error::InvalidWrite {
                reason: format!("{} names for {} columns of unequal or mismatched length", names.len(), columns.len()),
            });
        }
        Ok(Events { names, n_events, values: columns.concat() })
    }

    /// Number of events (rows).
    pub fn n_events(&self) -> usize {
        self.n_events
    }

    /// Number of channels (columns).
    pub fn n_channels(&self) -> usize {
        self.names.len()
    }

    /// Channel names (`$PnN`), in parameter order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The values of channel `j` (0-based).
    pub fn column(&self, j: usize) -> &[T] {
        &self.values[j * self.n_events..(j + 1) * self.n_events]
    }

    /// Mutable values of channel `j`.
    pub fn column_mut(&mut self, j: usize) -> &mut [T] {
        &mut self.values[j * self.n_events..(j + 1) * self.n_events]
    }

    /// The 0-based index of the channel named `name` (exact match).
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    /// The values of the channel named `name`.
    pub fn column_by_name(&self, name: &str) -> Option<&[T]> {
        self.index_of(name).map(|j| self.column(j))
    }

    /// Iterates over the columns in channel order.
    pub fn columns(&self) -> impl Iterator<Item = &[T]> {
        (0..self.n_channels()).map(|j| self.column(j))
    }

    /// The value of event `i` in channel `j`.
    pub fn get(&self, i: usize, j: usize) -> T {
        self.values[j * self.n_events + i]
    }

    /// All values, column-major.
    pub fn values(&self) -> &[T] {
        &self.values
    }

    /// Takes the names and column-major values apart.
    pub fn into_parts(self) -> (Vec<String>, usize, Vec<T>) {
        (self.names, self.n_events, self.values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_contiguous_and_named() {
        let e = Events::from_columns(vec!["a".into(), "b".into()], vec![vec![1.0, 2.0], vec![3.0, 4.0]]).unwrap();
        assert_eq!(e.column_by_name("b"), Some(&[3.0, 4.0][..]));
        assert_eq!(e.get(1, 0), 2.0);
        assert!(Events::new(vec!["a".into()], 3, vec![1.0; 2]).is_err());
        assert!(Events::from_columns(vec!["a".into(), "b".into()], vec![vec![1.0], vec![]]).is_err());
    }
}
