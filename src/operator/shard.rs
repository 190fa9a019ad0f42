//! Shards: an operator started with `--store-selector` reconciles only the
//! Stores it selects. Each child of a store carries the Store's values for
//! the selector's label keys (`ValidatedStore::labels`), so a child matches
//! the selector exactly when its Store does, and the shard's child watches,
//! caches and orphan scan select on it too: a shard holds only its own
//! stores' children in memory. Pods and the database's volume claims are
//! made from templates that never carry these labels (a label change would
//! restart the pods, and a StatefulSet's claim templates cannot change), so
//! their watches are not sharded.

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

/// The label keys a `--store-selector` reads, in the order written; an
/// error that says which term is wrong and why.
pub fn selector_keys(selector: &str) -> Result<Vec<String>, String> {
    let mut keys = Vec::new();
    for term in terms(selector)? {
        let key = term_key(term).ok_or_else(|| {
            format!(
                "--store-selector {selector:?}: cannot read the term {term:?}; use key=value, key!=value, key, !key, key in (a,b) or key notin (a,b)"
            )
        })?;
        if SET_BY_NEXUS.contains(&key) || key.starts_with(SET_BY_NEXUS_PREFIX) {
            return Err(format!(
                "--store-selector {selector:?}: Nexus sets the label {key} on a store's objects itself; select stores by a label of your own, such as nexus.dev/shard"
            ));
        }
        if !keys.iter().any(|k| k == key) {
            keys.push(key.to_string());
        }
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

/// The key of one term, None when the term is not one the API server reads.
fn term_key(term: &str) -> Option<&str> {
    let key = if let Some(rest) = term.strip_prefix('!') {
        rest.trim()
    } else if let Some((key, _)) = term.split_once("!=") {
        key.trim()
    } else if let Some((key, _)) = term.split_once('=') {
        key.trim()
    } else if let Some((key, rest)) = term.split_once(char::is_whitespace) {
        let rest = rest.trim_start();
        let set = rest
            .strip_prefix("notin")
            .or_else(|| rest.strip_prefix("in"))?
            .trim_start();
        if !(set.starts_with('(') && set.ends_with(')')) {
            return None;
        }
        key
    } else {
        term
    };
    is_label_key(key).then_some(key)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_of_term_names_its_key() {
        let keys = selector_keys(
            "nexus.dev/shard=a, tier==gold,canary!=yes,team,!legacy,zone in (x, y),ring notin (0)",
        )
        .unwrap();
        assert_eq!(
            keys,
            [
                "nexus.dev/shard",
                "tier",
                "canary",
                "team",
                "legacy",
                "zone",
                "ring"
            ]
        );
        assert_eq!(selector_keys("a=1,a!=2").unwrap(), ["a"]);
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
