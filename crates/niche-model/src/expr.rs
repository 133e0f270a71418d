//! Small symbolic expressions: the kinetic laws and rules of the exported model
//! ([`crate::network`]), written once and both printed as MathML (SBML, SED-ML) and evaluated
//! here, so that tests can compare them with [`crate::ode`]'s right-hand side.

use std::collections::HashMap;
use std::fmt::Write;

/// An expression over named quantities. Every literal carries its SBML unit id, so that
/// libsbml can check the units of every formula (an undeclared literal is a unit warning).
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A literal with its unit id (`dimensionless`, `nM`, …).
    Num(f64, &'static str),
    /// A named quantity (species, compartment or parameter id).
    Var(&'static str),
    /// Sum.
    Add(Vec<Expr>),
    /// Difference.
    Sub(Box<Expr>, Box<Expr>),
    /// Product.
    Mul(Vec<Expr>),
    /// Quotient.
    Div(Box<Expr>, Box<Expr>),
    /// `value` where `lhs > rhs`, else `otherwise`.
    IfGreater {
        /// Left side of the comparison.
        lhs: Box<Expr>,
        /// Right side.
        rhs: Box<Expr>,
        /// Value when `lhs > rhs`.
        value: Box<Expr>,
        /// Value otherwise.
        otherwise: Box<Expr>,
    },
}

/// A variable.
pub fn v(name: &'static str) -> Expr {
    Expr::Var(name)
}
/// A dimensionless literal.
pub fn one() -> Expr {
    Expr::Num(1.0, "dimensionless")
}
/// A literal with a unit.
pub fn num(x: f64, unit: &'static str) -> Expr {
    Expr::Num(x, unit)
}
/// `a + b + …`.
pub fn add(terms: Vec<Expr>) -> Expr {
    Expr::Add(terms)
}
/// `a − b`.
pub fn sub(a: Expr, b: Expr) -> Expr {
    Expr::Sub(Box::new(a), Box::new(b))
}
/// `a · b · …`.
pub fn mul(terms: Vec<Expr>) -> Expr {
    Expr::Mul(terms)
}
/// `a / b`.
pub fn div(a: Expr, b: Expr) -> Expr {
    Expr::Div(Box::new(a), Box::new(b))
}
/// `value if lhs > rhs else otherwise`.
pub fn if_greater(lhs: Expr, rhs: Expr, value: Expr, otherwise: Expr) -> Expr {
    Expr::IfGreater { lhs: Box::new(lhs), rhs: Box::new(rhs), value: Box::new(value), otherwise: Box::new(otherwise) }
}

/// A quantity an expression names is not defined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Undefined(pub &'static str);

impl Expr {
    /// Content MathML, literals with `sbml:units` (the caller declares the `sbml` prefix).
    pub fn mathml(&self, out: &mut String) {
        self.write_mathml(out, true);
    }

    /// Content MathML without units on literals (SED-ML).
    pub fn mathml_plain(&self, out: &mut String) {
        self.write_mathml(out, false);
    }

    fn write_mathml(&self, out: &mut String, units: bool) {
        match self {
            Expr::Num(x, unit) if units => {
                let _ = write!(out, "<cn sbml:units=\"{unit}\" type=\"e-notation\">{}</cn>", e_notation(*x));
            }
            Expr::Num(x, _) => {
                let _ = write!(out, "<cn type=\"e-notation\">{}</cn>", e_notation(*x));
            }
            Expr::Var(name) => {
                let _ = write!(out, "<ci>{name}</ci>");
            }
            Expr::Add(terms) | Expr::Mul(terms) => {
                out.push_str(if matches!(self, Expr::Add(_)) { "<apply><plus/>" } else { "<apply><times/>" });
                terms.iter().for_each(|t| t.write_mathml(out, units));
                out.push_str("</apply>");
            }
            Expr::Sub(a, b) | Expr::Div(a, b) => {
                out.push_str(if matches!(self, Expr::Sub(..)) { "<apply><minus/>" } else { "<apply><divide/>" });
                a.write_mathml(out, units);
                b.write_mathml(out, units);
                out.push_str("</apply>");
            }
            Expr::IfGreater { lhs, rhs, value, otherwise } => {
                out.push_str("<piecewise><piece>");
                value.write_mathml(out, units);
                out.push_str("<apply><gt/>");
                lhs.write_mathml(out, units);
                rhs.write_mathml(out, units);
                out.push_str("</apply></piece><otherwise>");
                otherwise.write_mathml(out, units);
                out.push_str("</otherwise></piecewise>");
            }
        }
    }

    /// The value with the quantities in `env`.
    pub fn eval(&self, env: &HashMap<&str, f64>) -> Result<f64, Undefined> {
        Ok(match self {
            Expr::Num(x, _) => *x,
            Expr::Var(name) => *env.get(name).ok_or(Undefined(name))?,
            Expr::Add(terms) => terms.iter().map(|t| t.eval(env)).sum::<Result<f64, _>>()?,
            Expr::Mul(terms) => terms.iter().map(|t| t.eval(env)).product::<Result<f64, _>>()?,
            Expr::Sub(a, b) => a.eval(env)? - b.eval(env)?,
            Expr::Div(a, b) => a.eval(env)? / b.eval(env)?,
            Expr::IfGreater { lhs, rhs, value, otherwise } => {
                if lhs.eval(env)? > rhs.eval(env)? {
                    value.eval(env)?
                } else {
                    otherwise.eval(env)?
                }
            }
        })
    }

    /// Every variable named, in order of appearance (with repeats).
    pub fn variables(&self, out: &mut Vec<&'static str>) {
        match self {
            Expr::Num(..) => {}
            Expr::Var(name) => out.push(name),
            Expr::Add(terms) | Expr::Mul(terms) => terms.iter().for_each(|t| t.variables(out)),
            Expr::Sub(a, b) | Expr::Div(a, b) => {
                a.variables(out);
                b.variables(out);
            }
            Expr::IfGreater { lhs, rhs, value, otherwise } => {
                for e in [lhs, rhs, value, otherwise] {
                    e.variables(out);
                }
            }
        }
    }
}

/// MathML `e-notation` content: mantissa `<sep/>` exponent, exact for every `f64` (Rust's
/// shortest round-trip digits).
fn e_notation(x: f64) -> String {
    let s = format!("{x:e}");
    match s.split_once('e') {
        Some((m, e)) => format!("{m}<sep/>{e}"),
        None => format!("{s}<sep/>0"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evaluates_and_prints() {
        let e = add(vec![
            mul(vec![v("a"), num(2.0, "nM")]),
            if_greater(v("a"), num(0.0, "nM"), div(one(), v("a")), sub(one(), one())),
        ]);
        let env = HashMap::from([("a", 4.0)]);
        assert_eq!(e.eval(&env), Ok(8.25));
        assert_eq!(e.eval(&HashMap::new()), Err(Undefined("a")));
        let mut s = String::new();
        e.mathml(&mut s);
        assert!(s.starts_with(
            "<apply><plus/><apply><times/><ci>a</ci><cn sbml:units=\"nM\" type=\"e-notation\">2<sep/>0</cn>"
        ));
        assert!(s.contains("<piecewise><piece>"));
        let mut vars = Vec::new();
        e.variables(&mut vars);
        assert_eq!(vars, ["a", "a", "a"]);
    }
}
