//! "Table 1": patient characteristics by group, with the right test per row.
//!
//! A column whose non-missing cells all parse as numbers is numeric: it is summarised as
//! median (min–max) and compared by Mann–Whitney (two groups; exact when small) or Kruskal–Wallis.
//! Any other column is categorical: counts with percentages of the non-missing cells, compared
//! by Fisher's exact test for a 2 × 2 table with an expected count below 5, otherwise Pearson's
//! chi-square. Empty cells, `NA` and `.` are missing and reported per row.

use crate::contingency::{chi_square, fisher_exact};
use crate::descriptive::quantile_type7;
use crate::error::{Error, Result};
use crate::ranks::{Method, kruskal_wallis, mann_whitney};

/// One row of the table.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Row {
    /// Column name.
    pub variable: String,
    /// The category for categorical rows, empty for numeric ones.
    pub level: String,
    /// All patients.
    pub overall: String,
    /// One cell per group, in group order.
    pub groups: Vec<String>,
    /// The test (on the first row of a variable).
    pub test: String,
    /// Its P value (on the first row of a variable).
    pub p: Option<f64>,
    /// Missing cells in this column.
    pub missing: usize,
}

/// The table: group names (with n) and rows.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Table1 {
    /// The grouping column.
    pub by: String,
    /// Group names in order of first appearance.
    pub groups: Vec<String>,
    /// Patients per group.
    pub group_sizes: Vec<usize>,
    /// The rows.
    pub rows: Vec<Row>,
}

fn is_missing(cell: &str) -> bool {
    let c = cell.trim();
    c.is_empty() || c.eq_ignore_ascii_case("na") || c == "."
}

fn format_number(v: f64) -> String {
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Builds the table from named columns of equal length, split by column `by`.
pub fn build(columns: &[(String, Vec<String>)], by: &str) -> Result<Table1> {
    let (_, by_cells) = columns
        .iter()
        .find(|(name, _)| name == by)
        .ok_or_else(|| Error::InvalidTable { reason: format!("there is no column {by:?} to split by") })?;
    let n = by_cells.len();
    if columns.iter().any(|(_, c)| c.len() != n) {
        return Err(Error::InvalidTable { reason: "columns have different lengths".into() });
    }
    let mut groups: Vec<String> = Vec::new();
    for cell in by_cells.iter().filter(|c| !is_missing(c)) {
        if !groups.contains(&cell.trim().to_string()) {
            groups.push(cell.trim().to_string());
        }
    }
    if groups.len() < 2 {
        return Err(Error::InvalidTable {
            reason: format!("column {by:?} has {} group(s); a comparison needs 2", groups.len()),
        });
    }
    let group_of: Vec<Option<usize>> = by_cells.iter().map(|c| groups.iter().position(|g| g == c.trim())).collect();
    let group_sizes = (0..groups.len()).map(|g| group_of.iter().filter(|x| **x == Some(g)).count()).collect();
    let mut rows = Vec::new();
    for (name, cells) in columns.iter().filter(|(name, _)| name != by) {
        let present: Vec<(usize, &str)> = cells
            .iter()
            .zip(&group_of)
            .filter_map(|(c, g)| g.filter(|_| !is_missing(c)).map(|g| (g, c.trim())))
            .collect();
        let missing = cells.len() - present.len();
        let numbers: Option<Vec<(usize, f64)>> =
            present.iter().map(|&(g, c)| c.parse::<f64>().ok().filter(|v| v.is_finite()).map(|v| (g, v))).collect();
        match numbers {
            Some(values) if !values.is_empty() => rows.push(numeric_row(name, &values, groups.len(), missing)?),
            _ => rows.extend(categorical_rows(name, &present, groups.len(), missing)?),
        }
    }
    Ok(Table1 { by: by.to_string(), groups, group_sizes, rows })
}

fn median_range(values: &mut [f64]) -> String {
    values.sort_by(f64::total_cmp);
    match (quantile_type7(values, 0.5), values.first(), values.last()) {
        (Ok(median), Some(&min), Some(&max)) => {
            format!("{} ({}-{})", format_number(median), format_number(min), format_number(max))
        }
        _ => "-".into(),
    }
}

fn numeric_row(name: &str, values: &[(usize, f64)], k: usize, missing: usize) -> Result<Row> {
    let by_group: Vec<Vec<f64>> =
        (0..k).map(|g| values.iter().filter(|(x, _)| *x == g).map(|(_, v)| *v).collect()).collect();
    let mut all: Vec<f64> = values.iter().map(|(_, v)| *v).collect();
    let nonempty: Vec<(&str, &[f64])> =
        by_group.iter().filter(|v| !v.is_empty()).map(|v| ("g", v.as_slice())).collect();
    let (test, p) = match nonempty.len() {
        2 => ("Mann-Whitney", mann_whitney(nonempty[0].1, nonempty[1].1, Method::Auto).ok().map(|r| r.p)),
        n if n > 2 => ("Kruskal-Wallis", kruskal_wallis(&nonempty).ok().map(|r| r.p)),
        _ => ("", None),
    };
    Ok(Row {
        variable: name.to_string(),
        level: String::new(),
        overall: median_range(&mut all),
        groups: by_group.into_iter().map(|mut v| median_range(&mut v)).collect(),
        test: test.into(),
        p,
        missing,
    })
}

fn categorical_rows(name: &str, present: &[(usize, &str)], k: usize, missing: usize) -> Result<Vec<Row>> {
    let mut levels: Vec<&str> = Vec::new();
    for &(_, c) in present {
        if !levels.contains(&c) {
            levels.push(c);
        }
    }
    let count = |g: Option<usize>, level: &str| {
        present.iter().filter(|&&(x, c)| c == level && g.is_none_or(|g| g == x)).count()
    };
    let totals: Vec<usize> = (0..k).map(|g| present.iter().filter(|&&(x, _)| x == g).count()).collect();
    let table: Vec<Vec<f64>> = levels.iter().map(|l| (0..k).map(|g| count(Some(g), l) as f64).collect()).collect();
    let (test, p) = if levels.len() < 2 {
        (String::new(), None)
    } else {
        let grand: f64 = table.iter().flatten().sum();
        let expected_small = table.iter().enumerate().any(|(i, row)| {
            row.iter().enumerate().any(|(j, _)| {
                let r: f64 = table[i].iter().sum();
                let c: f64 = table.iter().map(|row| row[j]).sum();
                r * c / grand < 5.0
            })
        });
        if levels.len() == 2 && k == 2 && expected_small {
            let t = |i: usize, j: usize| table[i][j] as u64;
            ("Fisher's exact".to_string(), fisher_exact([[t(0, 0), t(0, 1)], [t(1, 0), t(1, 1)]]).ok().map(|r| r.p))
        } else {
            let note = if expected_small { "chi-square (expected count < 5)" } else { "chi-square" };
            (note.to_string(), chi_square(&table, false).ok().map(|r| r.p))
        }
    };
    let percent = |n: usize, of: usize| {
        if of == 0 { "-".to_string() } else { format!("{n} ({:.1}%)", 100.0 * n as f64 / of as f64) }
    };
    Ok(levels
        .iter()
        .enumerate()
        .map(|(i, level)| Row {
            variable: name.to_string(),
            level: level.to_string(),
            overall: percent(count(None, level), present.len()),
            groups: (0..k).map(|g| percent(count(Some(g), level), totals[g])).collect(),
            test: if i == 0 { test.clone() } else { String::new() },
            p: if i == 0 { p } else { None },
            missing,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(name: &str, cells: &[&str]) -> (String, Vec<String>) {
        (name.to_string(), cells.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn numeric_and_categorical_rows_by_group() {
        let columns = vec![
            column("disease", &["ND", "ND", "ND", "RR", "RR", "RR"]),
            column("age", &["14", "30", "NA", "40", "61", "33"]),
            column("sex", &["F", "M", "F", "M", "M", "F"]),
        ];
        let t = build(&columns, "disease").unwrap();
        assert_eq!(t.groups, ["ND", "RR"]);
        assert_eq!(t.group_sizes, [3, 3]);
        let age = &t.rows[0];
        assert_eq!(age.overall, "33 (14-61)");
        assert_eq!(age.groups, ["22 (14-30)", "40 (33-61)"]);
        assert_eq!(age.missing, 1);
        assert_eq!(age.test, "Mann-Whitney");
        let female = &t.rows[1];
        assert_eq!((female.level.as_str(), female.groups[0].as_str()), ("F", "2 (66.7%)"));
        assert_eq!(female.test, "Fisher's exact");
        assert!(female.p.unwrap() > 0.5);
    }

    #[test]
    fn needs_two_groups_and_the_by_column() {
        let columns = vec![column("g", &["A", "A"]), column("x", &["1", "2"])];
        assert!(build(&columns, "g").is_err());
        assert!(build(&columns, "missing").is_err());
    }
}
