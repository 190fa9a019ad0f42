//! The store's generated credentials. Made once from the OS CSPRNG and never
//! regenerated: the database keeps the password it was initialised with.
//! The check token alone may be made again (see `CHECK_TOKEN_SECRET`).

use std::collections::BTreeMap;

use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::Secret;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::api::labels::ADMIN_SECRET;
use crate::validated::ValidatedStore;

pub const DATABASE_SECRET: &str = "database-credentials";
pub const SALTS_SECRET: &str = "wordpress-salts";
pub const ADMIN_USER: &str = "admin";
/// The token a checkout check sends (key `token`): the store sells its
/// check product only to a request that carries it. The setup records it
/// in the site; nothing else depends on it, so a store made before it had
/// one, or whose Secret was deleted, is given a new one (recorded by its
/// next setup run).
pub const CHECK_TOKEN_SECRET: &str = "check-token";

/// The WordPress salt names, as its wp-config reads them from the environment.
pub const SALT_KEYS: [&str; 8] = [
    "WORDPRESS_AUTH_KEY",
    "WORDPRESS_SECURE_AUTH_KEY",
    "WORDPRESS_LOGGED_IN_KEY",
    "WORDPRESS_NONCE_KEY",
    "WORDPRESS_AUTH_SALT",
    "WORDPRESS_SECURE_AUTH_SALT",
    "WORDPRESS_LOGGED_IN_SALT",
    "WORDPRESS_NONCE_SALT",
];

/// `len` random characters from [A-Za-z0-9], without modulo bias.
pub fn random_token(len: usize) -> Result<String, getrandom::Error> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut token = String::with_capacity(len);
    let mut buf = [0u8; 64];
    while token.len() < len {
        getrandom::fill(&mut buf)?;
        for byte in buf {
            // 248 = 4 * 62: bytes above it would favour the first letters.
            if byte < 248 && token.len() < len {
                token.push(ALPHABET[(byte % 62) as usize] as char);
            }
        }
    }
    Ok(token)
}

fn secret(store: &ValidatedStore, name: &str, data: BTreeMap<String, String>) -> Secret {
    Secret {
        metadata: ObjectMeta {
            name: Some(name.into()),
            namespace: Some(store.namespace.clone()),
            labels: Some(store.labels(None)),
            ..ObjectMeta::default()
        },
        type_: Some("Opaque".into()),
        data: Some(
            data.into_iter()
                .map(|(k, v)| (k, ByteString(v.into_bytes())))
                .collect(),
        ),
        ..Secret::default()
    }
}

/// A new check token Secret.
pub fn check_token_secret(store: &ValidatedStore) -> Result<Secret, getrandom::Error> {
    let token = BTreeMap::from([("token".to_string(), random_token(40)?)]);
    Ok(secret(store, CHECK_TOKEN_SECRET, token))
}

/// The Secrets of a new store, with fresh random values.
pub fn generate_secrets(store: &ValidatedStore) -> Result<Vec<Secret>, getrandom::Error> {
    let database = BTreeMap::from([
        ("database".to_string(), "wordpress".to_string()),
        ("user".to_string(), "wordpress".to_string()),
        ("password".to_string(), random_token(32)?),
        ("root-password".to_string(), random_token(32)?),
    ]);
    let admin = BTreeMap::from([
        ("username".to_string(), ADMIN_USER.to_string()),
        ("password".to_string(), random_token(24)?),
        ("email".to_string(), store.setup.admin_email.clone()),
    ]);
    let mut salts = BTreeMap::new();
    for key in SALT_KEYS {
        salts.insert(key.to_string(), random_token(64)?);
    }
    Ok(vec![
        secret(store, DATABASE_SECRET, database),
        secret(store, ADMIN_SECRET, admin),
        secret(store, SALTS_SECRET, salts),
        check_token_secret(store)?,
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::Plan;
    use crate::settings::Settings;
    use crate::validated::testing::store;

    #[test]
    fn tokens_are_long_alphanumeric_and_differ() {
        let a = random_token(32).unwrap();
        let b = random_token(32).unwrap();
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(a, b);
    }

    #[test]
    fn a_store_gets_database_admin_and_salt_secrets() {
        let settings = Settings::for_tests();
        let store = store("demo", Plan::Small);
        let validated = ValidatedStore::new(&store, &settings).unwrap();
        let secrets = generate_secrets(&validated).unwrap();
        let names: Vec<_> = secrets
            .iter()
            .map(|s| s.metadata.name.clone().unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "database-credentials",
                "wordpress-admin",
                "wordpress-salts",
                "check-token"
            ]
        );
        assert!(
            secrets
                .iter()
                .all(|s| s.metadata.namespace.as_deref() == Some("store-demo"))
        );
        let admin = secrets[1].data.as_ref().unwrap();
        assert_eq!(admin["username"].0, b"admin");
        assert_eq!(admin["email"].0, b"owner@example.com");
        assert_eq!(admin["password"].0.len(), 24);
        assert_eq!(secrets[2].data.as_ref().unwrap().len(), 8);
        assert_eq!(secrets[3].data.as_ref().unwrap()["token"].0.len(), 40);
    }
}
