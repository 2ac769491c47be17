//! Update expressions, built clause by clause. Every attribute is written as `#name` (so
//! reserved words such as `name` or `status` need no care); the write that carries the
//! expression maps each `#name` to `name`, in the update and in its condition alike.

use aws_sdk_dynamodb::types::AttributeValue;
use serde::Serialize;

use super::attrs::{n, value};

/// An update expression and the values it uses (`:v0`, `:v1`, ...).
#[derive(Debug, Clone, Default)]
pub(super) struct Expr {
    set: Vec<String>,
    remove: Vec<String>,
    add: Vec<String>,
    values: Vec<(String, AttributeValue)>,
}

/// How an expression names an attribute.
pub(super) fn name(attr: &str) -> String {
    format!("#{attr}")
}

impl Expr {
    fn value(&mut self, v: AttributeValue) -> String {
        let placeholder = format!(":v{}", self.values.len());
        self.values.push((placeholder.clone(), v));
        placeholder
    }

    pub fn set(&mut self, attr: &str, v: AttributeValue) -> &mut Self {
        let v = self.value(v);
        self.set.push(format!("{} = {v}", name(attr)));
        self
    }

    /// Sets the attribute, or removes it for `None`.
    pub fn set_opt<T: Serialize>(&mut self, attr: &str, v: Option<&T>) -> anyhow::Result<&mut Self> {
        match v {
            Some(v) => self.set(attr, value(v)?),
            None => self.remove(attr),
        };
        Ok(self)
    }

    /// Sets the attribute only if it has no value yet.
    pub fn set_if_absent(&mut self, attr: &str, v: AttributeValue) -> &mut Self {
        let (a, v) = (name(attr), self.value(v));
        self.set.push(format!("{a} = if_not_exists({a}, {v})"));
        self
    }

    /// Adds one to a number attribute, counting a missing one as zero.
    pub fn increment(&mut self, attr: &str) -> &mut Self {
        let (a, zero, one) = (name(attr), self.value(n(0)), self.value(n(1)));
        self.set.push(format!("{a} = if_not_exists({a}, {zero}) + {one}"));
        self
    }

    /// Appends one entry to a list attribute, creating the list if it is missing.
    pub fn append<T: Serialize>(&mut self, attr: &str, entry: &T) -> anyhow::Result<&mut Self> {
        let a = name(attr);
        let entry = self.value(value(&[entry])?);
        let empty = self.value(AttributeValue::L(vec![]));
        self.set.push(format!("{a} = list_append(if_not_exists({a}, {empty}), {entry})"));
        Ok(self)
    }

    /// Sets `to` to the value `from` has before this update.
    pub fn copy(&mut self, to: &str, from: &str) -> &mut Self {
        self.set.push(format!("{} = {}", name(to), name(from)));
        self
    }

    pub fn remove(&mut self, attr: &str) -> &mut Self {
        self.remove.push(name(attr));
        self
    }

    /// Adds to a number atomically (`ADD`), counting a missing one as zero.
    pub fn add(&mut self, attr: &str, v: AttributeValue) -> &mut Self {
        let v = self.value(v);
        self.add.push(format!("{} {v}", name(attr)));
        self
    }

    /// The expression's text.
    pub fn text(&self) -> String {
        [("SET", &self.set), ("REMOVE", &self.remove), ("ADD", &self.add)]
            .into_iter()
            .filter(|(_, clauses)| !clauses.is_empty())
            .map(|(verb, clauses)| format!("{verb} {}", clauses.join(", ")))
            .collect::<Vec<_>>()
            .join(" ")
    }

    pub fn into_values(self) -> Vec<(String, AttributeValue)> {
        self.values
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::dynamo::attrs::s;

    #[test]
    fn an_expression_names_every_attribute_and_numbers_every_value() {
        let mut expr = Expr::default();
        expr.set("name", s("Globex")).increment("version").remove("phone").add("hits", n(1));
        assert_eq!(
            expr.text(),
            "SET #name = :v0, #version = if_not_exists(#version, :v1) + :v2 REMOVE #phone ADD #hits :v3"
        );
        assert_eq!(expr.into_values().len(), 4);
    }
}
