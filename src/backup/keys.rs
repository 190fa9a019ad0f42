//! Each store's own age identity, derived from the platform's backup master
//! secret and the store's UID. Every part is sealed to two recipients: this
//! store's and the platform's offline one. A restore or a verification of
//! one store is given that store's identity only, never one that opens
//! another store's parts; the platform's offline identity opens them all,
//! also after the cluster (and its master secret) is lost.

use std::str::FromStr;

use bech32::{ToBase32, Variant};
use ring::hkdf;

/// The length of a master secret, in bytes.
pub const MASTER_BYTES: usize = 32;

/// Domain separation: these keys are for nothing else.
const SALT: &[u8] = b"nexus.dev backups";
const INFO: &[u8] = b"store identity v1 ";

/// A length for ring's HKDF output.
struct Length(usize);

impl hkdf::KeyType for Length {
    fn len(&self) -> usize {
        self.0
    }
}

/// The age identity of the store with `store_uid`, derived from `master`
/// (HKDF-SHA256); the same inputs always give the same identity.
pub fn store_identity(master: &[u8], store_uid: &str) -> Result<age::x25519::Identity, String> {
    if master.len() < MASTER_BYTES {
        return Err(format!(
            "the backup master secret has {} bytes; it needs at least {MASTER_BYTES}",
            master.len()
        ));
    }
    let key = hkdf::Salt::new(hkdf::HKDF_SHA256, SALT).extract(master);
    let info = [INFO, store_uid.as_bytes()];
    let mut scalar = [0u8; 32];
    key.expand(&info, Length(scalar.len()))
        .and_then(|okm| okm.fill(&mut scalar))
        .map_err(|_| "HKDF refused a 32-byte output".to_string())?;
    // age's own text form of an identity, which is how it takes one in.
    let text = bech32::encode("age-secret-key-", scalar.to_base32(), Variant::Bech32)
        .map_err(|e| format!("encode the store's identity: {e}"))?
        .to_uppercase();
    scalar.fill(0);
    age::x25519::Identity::from_str(&text).map_err(|e| format!("the store's identity: {e}"))
}

/// The recipient a store's parts are sealed to, besides the platform's.
pub fn store_recipient(master: &[u8], store_uid: &str) -> Result<age::x25519::Recipient, String> {
    store_identity(master, store_uid).map(|identity| identity.to_public())
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};

    use super::*;

    fn seal(recipients: &[&age::x25519::Recipient], plain: &[u8]) -> Vec<u8> {
        let encryptor =
            age::Encryptor::with_recipients(recipients.iter().map(|r| *r as &dyn age::Recipient))
                .unwrap();
        let mut sealed = vec![];
        let mut writer = encryptor.wrap_output(&mut sealed).unwrap();
        writer.write_all(plain).unwrap();
        writer.finish().unwrap();
        sealed
    }

    fn open(identity: &age::x25519::Identity, sealed: &[u8]) -> Option<Vec<u8>> {
        let decryptor = age::Decryptor::new(sealed).ok()?;
        let mut reader = decryptor
            .decrypt(std::iter::once(identity as &dyn age::Identity))
            .ok()?;
        let mut plain = vec![];
        reader.read_to_end(&mut plain).ok()?;
        Some(plain)
    }

    #[test]
    fn a_stores_identity_is_its_own_and_always_the_same() {
        let master = [7u8; MASTER_BYTES];
        let shop = store_identity(&master, "uid-shop").unwrap();
        let again = store_identity(&master, "uid-shop").unwrap();
        let other = store_identity(&master, "uid-other").unwrap();
        let elsewhere = store_identity(&[8u8; MASTER_BYTES], "uid-shop").unwrap();
        assert_eq!(shop.to_public().to_string(), again.to_public().to_string());
        assert_ne!(shop.to_public().to_string(), other.to_public().to_string());
        assert_ne!(
            shop.to_public().to_string(),
            elsewhere.to_public().to_string()
        );
        assert_eq!(
            store_recipient(&master, "uid-shop").unwrap().to_string(),
            shop.to_public().to_string()
        );
    }

    #[test]
    fn a_part_sealed_to_a_store_and_the_platform_opens_with_either_and_nothing_else() {
        let master = [7u8; MASTER_BYTES];
        let platform = age::x25519::Identity::generate();
        let shop = store_identity(&master, "uid-shop").unwrap();
        let other = store_identity(&master, "uid-other").unwrap();
        let sealed = seal(&[&platform.to_public(), &shop.to_public()], b"orders");
        assert_eq!(open(&platform, &sealed).as_deref(), Some(&b"orders"[..]));
        assert_eq!(open(&shop, &sealed).as_deref(), Some(&b"orders"[..]));
        assert_eq!(open(&other, &sealed), None);
    }

    #[test]
    fn a_short_master_secret_is_refused() {
        let refused = store_identity(&[1u8; 16], "uid").err().unwrap();
        assert!(refused.contains("needs at least 32"), "{refused}");
    }
}
