//! Shards: an operator started with `--store-selector` reconciles only the
//! Stores it selects. Each child of a store carries the Store's values for
//! the selector's label keys (`ValidatedStore::labels`), so a child matches
//! the selector exactly when its Store does, and the shard's child watches,
//! caches and orphan scan select on it too: a shard holds only its own
//! stores' children in memory. Pods and the database's volume claims are
//! made from templates that never carry these labels (a label change would
//! restart the pods, and a StatefulSet's claim templates cannot change), so
//! their watches are not sharded.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, LabelSelectorRequirement};

use crate::api::labels::{
    COMPONENT, MANAGED_BY, MANAGER, STORE_LABEL, STORE_NAMESPACE_LABEL, STORE_UID_LABEL,
};

/// Label keys Nexus sets on a store's children itself: a selector on one of
/// them could not be carried over from the Store.
const SET_BY_NEXUS: [&str; 5] = [
    MANAGED_BY,
    COMPONENT,
    STORE_LABEL,
    STORE_NAMESPACE_LABEL,
    STORE_UID_LABEL,
];
const SET_BY_NEXUS_PREFIX: &str = "pod-security.kubernetes.io/";

/// A `--store-selector` as a LabelSelector (what an objectSelector holds):
/// `k=v` and `k==v` as labels; `k!=v`, `k in (a,b)`, `k notin (a,b)`, `k`
/// and `!k` as expressions. An error says which term is wrong.
pub fn parse(selector: &str) -> Result<LabelSelector, String> {
    let mut labels = BTreeMap::new();
    let mut expressions = Vec::new();
    for term in terms(selector)? {
        let requirement = requirement(term).ok_or_else(|| {
            format!(
                "--store-selector {selector:?}: cannot read the term {term:?}; use key=value, key!=value, key, !key, key in (a,b) or key notin (a,b)"
            )
        })?;
        match requirement {
            Requirement::Equals(key, value) if !labels.contains_key(&key) => {
                labels.insert(key, value);
            }
            Requirement::Equals(key, value) => expressions.push(expression(key, "In", vec![value])),
            Requirement::Expression(e) => expressions.push(e),
        }
    }
    Ok(LabelSelector {
        match_labels: (!labels.is_empty()).then_some(labels),
        match_expressions: (!expressions.is_empty()).then_some(expressions),
    })
}

/// Every label key a selector reads, sorted, each once.
pub fn keys_of(selector: &LabelSelector) -> Vec<String> {
    let labels = selector.match_labels.iter().flat_map(BTreeMap::keys);
    let expressions = selector.match_expressions.iter().flatten().map(|e| &e.key);
    let keys: BTreeSet<&String> = labels.chain(expressions).collect();
    keys.into_iter().cloned().collect()
}

/// The label keys a `--store-selector` reads (sorted); refused when it
/// reads none, or one Nexus sets on a store's objects itself.
pub fn selector_keys(selector: &str) -> Result<Vec<String>, String> {
    let keys = keys_of(&parse(selector)?);
    if let Some(key) = keys
        .iter()
        .find(|k| SET_BY_NEXUS.contains(&k.as_str()) || k.starts_with(SET_BY_NEXUS_PREFIX))
    {
        return Err(format!(
            "--store-selector {selector:?}: Nexus sets the label {key} on a store's objects itself; select stores by a label of your own, such as nexus.dev/shard"
        ));
    }
    if keys.is_empty() {
        return Err(format!(
            "--store-selector {selector:?} selects on no label; leave it out to reconcile every store"
        ));
    }
    Ok(keys)
}

/// The selector of a shard's child watches: Nexus's children of the stores
/// it selects.
pub fn children_selector(store_selector: Option<&str>) -> String {
    let ours = format!("{MANAGED_BY}={MANAGER}");
    match store_selector {
        Some(selector) => format!("{ours},{selector}"),
        None => ours,
    }
}

/// The selector's terms: split at commas outside parentheses (a set term
/// has commas of its own).
fn terms(selector: &str) -> Result<Vec<&str>, String> {
    let mut terms = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, c) in selector.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth = depth
                    .checked_sub(1)
                    .ok_or_else(|| format!("--store-selector {selector:?}: a ')' closes nothing"))?
            }
            ',' if depth == 0 => {
                terms.push(selector[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    if depth != 0 {
        return Err(format!(
            "--store-selector {selector:?}: a '(' is never closed"
        ));
    }
    terms.push(selector[start..].trim());
    Ok(terms.into_iter().filter(|t| !t.is_empty()).collect())
}

enum Requirement {
    Equals(String, String),
    Expression(LabelSelectorRequirement),
}

fn expression(key: String, operator: &str, values: Vec<String>) -> LabelSelectorRequirement {
    LabelSelectorRequirement {
        key,
        operator: operator.into(),
        values: (!values.is_empty()).then_some(values),
    }
}

/// One term, None when it is not one the API server reads.
fn requirement(term: &str) -> Option<Requirement> {
    let key = |key: &str| is_label_key(key.trim()).then(|| key.trim().to_string());
    let value = |value: &str| is_label_value(value.trim()).then(|| value.trim().to_string());
    if let Some(rest) = term.strip_prefix('!') {
        return Some(Requirement::Expression(expression(
            key(rest)?,
            "DoesNotExist",
            vec![],
        )));
    }
    if let Some((k, v)) = term.split_once("!=") {
        return Some(Requirement::Expression(expression(
            key(k)?,
            "NotIn",
            vec![value(v)?],
        )));
    }
    if let Some((k, v)) = term.split_once("==").or_else(|| term.split_once('=')) {
        return Some(Requirement::Equals(key(k)?, value(v)?));
    }
    let Some((k, rest)) = term.split_once(char::is_whitespace) else {
        return Some(Requirement::Expression(expression(
            key(term)?,
            "Exists",
            vec![],
        )));
    };
    let rest = rest.trim_start();
    let (operator, set) = match rest.strip_prefix("notin") {
        Some(set) => ("NotIn", set),
        None => ("In", rest.strip_prefix("in")?),
    };
    let values = set.trim().strip_prefix('(')?.strip_suffix(')')?;
    let values = values.split(',').map(value).collect::<Option<Vec<_>>>()?;
    Some(Requirement::Expression(expression(
        key(k)?,
        operator,
        values,
    )))
}

/// An optional DNS prefix and a name of [A-Za-z0-9-_.], as label keys are.
fn is_label_key(key: &str) -> bool {
    let (prefix, name) = key.split_once('/').unwrap_or(("x", key));
    let allowed = |b: u8| b.is_ascii_alphanumeric() || b"-_.".contains(&b);
    !prefix.is_empty()
        && prefix.bytes().all(allowed)
        && !name.is_empty()
        && name.len() <= 63
        && name.bytes().all(allowed)
}

/// At most 63 of [A-Za-z0-9-_.] (empty too), as label values are.
fn is_label_value(value: &str) -> bool {
    value.len() <= 63
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_of_term_becomes_what_the_api_server_reads() {
        let parsed = parse(
            "nexus.dev/shard=a, tier==gold,canary!=yes,team,!legacy,zone in (x, y),ring notin (0)",
        )
        .unwrap();
        let labels = parsed.match_labels.unwrap();
        assert_eq!(labels["nexus.dev/shard"], "a");
        assert_eq!(labels["tier"], "gold");
        let expressions: Vec<_> = parsed
            .match_expressions
            .unwrap()
            .into_iter()
            .map(|e| (e.key, e.operator, e.values.unwrap_or_default()))
            .collect();
        let owned = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            expressions,
            [
                ("canary".into(), "NotIn".into(), owned(&["yes"])),
                ("team".into(), "Exists".into(), vec![]),
                ("legacy".into(), "DoesNotExist".into(), vec![]),
                ("zone".into(), "In".into(), owned(&["x", "y"])),
                ("ring".into(), "NotIn".into(), owned(&["0"])),
            ]
        );
        assert_eq!(
            selector_keys("zone in (x),nexus.dev/shard=a,zone!=y").unwrap(),
            ["nexus.dev/shard", "zone"]
        );
    }

    #[test]
    fn a_selector_on_a_label_nexus_sets_or_on_nothing_is_refused() {
        for selector in [
            "nexus.dev/store=shop",
            "app.kubernetes.io/managed-by=nexus",
            "pod-security.kubernetes.io/enforce=restricted",
        ] {
            let refused = selector_keys(selector).unwrap_err();
            assert!(refused.contains("Nexus sets the label"), "{refused}");
        }
        assert!(
            selector_keys(" , ")
                .unwrap_err()
                .contains("selects on no label")
        );
    }

    #[test]
    fn malformed_terms_are_refused_with_the_term() {
        for selector in [
            "zone in x",
            "zone in (a",
            "a)",
            "bad key=1",
            "a/b/c=1",
            "=x",
        ] {
            assert!(selector_keys(selector).is_err(), "{selector}");
        }
        assert!(
            selector_keys("ok=1,zone within (a)")
                .unwrap_err()
                .contains("\"zone within (a)\"")
        );
    }

    #[test]
    fn child_watches_add_the_store_selector_to_nexus_own_label() {
        assert_eq!(
            children_selector(None),
            "app.kubernetes.io/managed-by=nexus"
        );
        assert_eq!(
            children_selector(Some("nexus.dev/shard=a")),
            "app.kubernetes.io/managed-by=nexus,nexus.dev/shard=a"
        );
    }
}
