//! The Store fields the CLI changes on a live store, and who manages each
//! (the object's managedFields): what a server-side apply needs in order to
//! change only what the user named and to keep the rest as it is.

use serde_json::Value;

use crate::api::Store;

/// The field manager the CLI writes Stores as (also what the API server
/// derives from its user agent, so a store the CLI created is managed by it).
pub const FIELD_MANAGER: &str = "kubectl-nexus";

/// One field of a Store a user changes with `store update`, `suspend` or
/// `resume`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Field {
    Plan,
    Domain,
    AdminEmail,
    Currency,
    SampleProducts,
    Suspend,
    Check,
    Label(String),
}

impl Field {
    /// Every field of the spec the CLI writes.
    pub const SPEC: [Field; 7] = [
        Field::Plan,
        Field::Domain,
        Field::AdminEmail,
        Field::Currency,
        Field::SampleProducts,
        Field::Suspend,
        Field::Check,
    ];

    /// Its path in the object's JSON.
    pub fn path(&self) -> Vec<&str> {
        match self {
            Field::Plan => vec!["spec", "plan"],
            Field::Domain => vec!["spec", "domain"],
            Field::AdminEmail => vec!["spec", "adminEmail"],
            Field::Currency => vec!["spec", "woocommerce", "currency"],
            Field::SampleProducts => vec!["spec", "woocommerce", "sampleProducts"],
            Field::Suspend => vec!["spec", "suspend"],
            Field::Check => vec!["spec", "check"],
            Field::Label(key) => vec!["metadata", "labels", key],
        }
    }

    /// How messages name it.
    pub fn name(&self) -> String {
        match self {
            Field::Label(key) => format!("label {key}"),
            other => other.path().join("."),
        }
    }

    /// Its value in `object` (a Store as JSON), when set.
    pub fn get<'a>(&self, object: &'a Value) -> Option<&'a Value> {
        self.path()
            .iter()
            .try_fold(object, |value, key| value.get(key))
            .filter(|value| !value.is_null())
    }

    /// Sets it in `object`, making the maps on its way.
    pub fn set(&self, object: &mut Value, value: Value) {
        let path = self.path();
        let (last, parents) = path.split_last().expect("a path has a field");
        let mut at = object;
        for key in parents {
            if !at.get(key).is_some_and(Value::is_object) {
                at[key] = Value::Object(serde_json::Map::new());
            }
            at = &mut at[key];
        }
        at[last] = value;
    }

    /// Removes it from `object`, when set.
    pub fn remove(&self, object: &mut Value) {
        let path = self.path();
        let (last, parents) = path.split_last().expect("a path has a field");
        let parent = parents
            .iter()
            .try_fold(&mut *object, |value, key| value.get_mut(key));
        if let Some(Value::Object(map)) = parent {
            map.remove(*last);
        }
    }

    /// The JSON pointer to it (for a JSON patch).
    pub fn pointer(&self) -> String {
        self.path()
            .iter()
            .map(|key| format!("/{}", key.replace('~', "~0").replace('/', "~1")))
            .collect()
    }
}

/// A field manager of a Store: its name and operation (Apply or Update).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Manager {
    pub name: String,
    pub operation: String,
}

impl Manager {
    /// The CLI itself, by apply or (a store it created) by update.
    pub fn is_cli(&self) -> bool {
        self.name == FIELD_MANAGER
    }

    fn is_cli_apply(&self) -> bool {
        self.is_cli() && self.operation == "Apply"
    }
}

/// Each manager of the store and the fields it owns (`fieldsV1`).
fn entries(store: &Store) -> Vec<(Manager, &Value)> {
    store
        .metadata
        .managed_fields
        .iter()
        .flatten()
        // Status is the operator's, written through its own subresource.
        .filter(|entry| entry.subresource.as_deref().unwrap_or_default().is_empty())
        .filter_map(|entry| {
            let fields = &entry.fields_v1.as_ref()?.0;
            let manager = Manager {
                name: entry.manager.clone().unwrap_or_default(),
                operation: entry.operation.clone().unwrap_or_default(),
            };
            Some((manager, fields))
        })
        .collect()
}

fn owns(fields: &Value, field: &Field) -> bool {
    field
        .path()
        .iter()
        .try_fold(fields, |value, key| value.get(format!("f:{key}")))
        .is_some()
}

/// Who manages `field` of the store.
pub fn managers(store: &Store, field: &Field) -> Vec<Manager> {
    entries(store)
        .into_iter()
        .filter(|(_, fields)| owns(fields, field))
        .map(|(manager, _)| manager)
        .collect()
}

/// The fields the CLI's earlier applies own: a new apply must name them
/// again, or the API server removes them.
pub fn applied_by_cli(store: &Store) -> Vec<Field> {
    let mut fields = Vec::new();
    for (manager, owned) in entries(store) {
        if !manager.is_cli_apply() {
            continue;
        }
        fields.extend(Field::SPEC.into_iter().filter(|f| owns(owned, f)));
        let labels = owned
            .get("f:metadata")
            .and_then(|m| m.get("f:labels"))
            .and_then(Value::as_object);
        fields.extend(
            labels
                .into_iter()
                .flat_map(|map| map.keys())
                .filter_map(|key| key.strip_prefix("f:"))
                .map(|key| Field::Label(key.to_string())),
        );
    }
    fields.sort();
    fields.dedup();
    fields
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn store(managed: Value) -> Store {
        serde_json::from_value(json!({
            "apiVersion": "nexus.dev/v1alpha1", "kind": "Store",
            "metadata": {"name": "shop", "namespace": "team-a", "managedFields": managed},
            "spec": {"engine": "woocommerce"}
        }))
        .unwrap()
    }

    #[test]
    fn the_fields_an_apply_owns_are_read_from_managed_fields() {
        let store = store(json!([
            {"manager": "kubectl-nexus", "operation": "Update", "apiVersion": "nexus.dev/v1alpha1",
             "fieldsType": "FieldsV1", "fieldsV1": {"f:spec": {"f:engine": {}, "f:domain": {}}}},
            {"manager": "kubectl-nexus", "operation": "Apply", "apiVersion": "nexus.dev/v1alpha1",
             "fieldsType": "FieldsV1", "fieldsV1": {"f:metadata": {"f:labels": {"f:example.com/tier": {}}},
                "f:spec": {"f:plan": {}, "f:woocommerce": {"f:currency": {}}}}},
            {"manager": "kubectl-client-side-apply", "operation": "Update", "apiVersion": "nexus.dev/v1alpha1",
             "fieldsType": "FieldsV1", "fieldsV1": {"f:spec": {"f:domain": {}}}},
            {"manager": "kubectl-nexus", "operation": "Update", "apiVersion": "nexus.dev/v1alpha1",
             "fieldsType": "FieldsV1", "subresource": "status", "fieldsV1": {"f:spec": {"f:suspend": {}}}}
        ]));
        assert_eq!(
            applied_by_cli(&store),
            vec![
                Field::Plan,
                Field::Currency,
                Field::Label("example.com/tier".into())
            ]
        );
        let names: Vec<String> = managers(&store, &Field::Domain)
            .into_iter()
            .map(|m| format!("{}/{}", m.name, m.operation))
            .collect();
        assert_eq!(
            names,
            ["kubectl-nexus/Update", "kubectl-client-side-apply/Update"]
        );
        assert!(
            managers(&store, &Field::Suspend).is_empty(),
            "status is not the spec"
        );
    }

    #[test]
    fn a_field_is_set_and_removed_along_its_path() {
        let mut object = json!({"metadata": {"name": "shop"}, "spec": {"plan": "small"}});
        Field::Currency.set(&mut object, json!("EUR"));
        Field::Label("example.com/tier".into()).set(&mut object, json!("gold"));
        assert_eq!(Field::Currency.get(&object), Some(&json!("EUR")));
        assert_eq!(
            object["metadata"]["labels"]["example.com/tier"],
            json!("gold")
        );
        Field::Plan.remove(&mut object);
        Field::Domain.remove(&mut object);
        assert_eq!(Field::Plan.get(&object), None);
        assert_eq!(
            Field::Label("example.com/tier".into()).pointer(),
            "/metadata/labels/example.com~1tier"
        );
    }
}
