//! The names every part of Nexus agrees on: label keys, component names and
//! the well-known objects in a store's namespace. The CLI reads what the
//! operator writes through these, so they live in the API layer.

pub const MANAGED_BY: &str = "app.kubernetes.io/managed-by";
pub const MANAGER: &str = "nexus";
pub const COMPONENT: &str = "app.kubernetes.io/component";
/// The store's name, on every object made for it.
pub const STORE_LABEL: &str = "nexus.dev/store";
/// The namespace of the Store object, on every object made for it.
pub const STORE_NAMESPACE_LABEL: &str = "nexus.dev/store-namespace";
/// The Store's UID, on its namespace: the proof of ownership.
pub const STORE_UID_LABEL: &str = "nexus.dev/store-uid";

/// The finalizer that deletes a store's namespace before the Store goes.
pub const FINALIZER: &str = "nexus.dev/cleanup";

/// Component names: the `app.kubernetes.io/component` label of each part of
/// a store, and the name of its main object.
pub const WORDPRESS: &str = "wordpress";
pub const DATABASE: &str = "database";
pub const SETUP: &str = "setup";
pub const BACKUP: &str = "backup";
pub const CHECK: &str = "check";

/// The Secret with the WordPress admin credentials, the one a tenant may read.
pub const ADMIN_SECRET: &str = "wordpress-admin";
/// The ClusterRole a tenant's people are bound to in their tenant namespace.
pub const TENANT_CLUSTER_ROLE: &str = "nexus-tenant";

/// The label cert-manager puts on its HTTP-01 solver pods.
pub const ACME_SOLVER_LABEL: &str = "acme.cert-manager.io/http01-solver";

/// The ports the store's Services expose; the network policies open exactly these.
pub const WORDPRESS_PORT: i32 = 80;
pub const DATABASE_PORT: i32 = 3306;

/// Who created a store, recorded at admission from the API server's
/// authentication (never from what the client sends) and never changed.
pub const OWNER_ANNOTATION: &str = "nexus.dev/owner";
pub const OWNER_GROUPS_ANNOTATION: &str = "nexus.dev/owner-groups";
pub const OWNER_UID_ANNOTATION: &str = "nexus.dev/owner-uid";
pub const OWNER_ANNOTATIONS: [&str; 3] = [
    OWNER_ANNOTATION,
    OWNER_GROUPS_ANNOTATION,
    OWNER_UID_ANNOTATION,
];
