//! What the tests (unit and integration) share: comparing an object with the
//! part of it a test states, as JSON.

use serde_json::Value;

/// Asserts that `actual`, as JSON, holds everything `expected` says: every
/// key of an expected object (recursively), every element of an expected
/// array at the same position, equal scalars. Names the first difference.
#[track_caller]
pub fn assert_includes(actual: &impl serde::Serialize, expected: Value) {
    let actual = serde_json::to_value(actual).expect("serializable");
    if let Err(difference) = includes(&actual, &expected, "") {
        panic!(
            "{difference}\nin {}",
            serde_json::to_string_pretty(&actual).unwrap_or_default()
        );
    }
}

fn includes(actual: &Value, expected: &Value, at: &str) -> Result<(), String> {
    match (actual, expected) {
        (Value::Object(have), Value::Object(want)) => want.iter().try_for_each(|(key, value)| {
            let here = format!("{at}.{key}");
            match have.get(key) {
                Some(found) => includes(found, value, &here),
                None => Err(format!("{here}: missing, expected {value}")),
            }
        }),
        (Value::Array(have), Value::Array(want)) => {
            want.iter().enumerate().try_for_each(|(i, value)| {
                let here = format!("{at}[{i}]");
                match have.get(i) {
                    Some(found) => includes(found, value, &here),
                    None => Err(format!("{here}: missing, expected {value}")),
                }
            })
        }
        _ if actual == expected => Ok(()),
        _ => Err(format!("{at}: {actual}, expected {expected}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_subset_passes_and_the_first_difference_is_named() {
        let object = json!({"spec": {"replicas": 1, "ports": [{"port": 80}, {"port": 443}]}});
        assert!(includes(&object, &json!({"spec": {"ports": [{"port": 80}]}}), "").is_ok());
        assert_eq!(
            includes(&object, &json!({"spec": {"replicas": 2}}), ""),
            Err(".spec.replicas: 1, expected 2".into())
        );
        assert_eq!(
            includes(
                &object,
                &json!({"spec": {"ports": [{}, {}, {"port": 8080}]}}),
                ""
            ),
            Err(".spec.ports[2]: missing, expected {\"port\":8080}".into())
        );
        assert_eq!(
            includes(&object, &json!({"status": {}}), ""),
            Err(".status: missing, expected {}".into())
        );
    }
}
