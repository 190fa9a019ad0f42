//! A backup's manifest: what the backup is of (the store, its spec, the
//! engines' versions), its parts with their sizes and SHA-256s, and the row
//! counts of the tables that matter, read from the very dump that was
//! stored (one transaction). It is written last: a backup without its
//! manifest does not exist.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The manifest's own format version.
pub const FORMAT: u32 = 1;

/// The objects of one backup, under `<store uid>/<backup name>/`.
pub const DATABASE_PART: &str = "database.sql.gz.age";
pub const CONTENT_PART: &str = "content.tar.gz.age";
pub const MANIFEST: &str = "manifest.json";

/// The tables whose rows a backup counts: posts (products and pages),
/// orders (WooCommerce's own table; orders are posts before it), customers.
pub const COUNTED_TABLES: [&str; 3] = ["wp_posts", "wp_wc_orders", "wp_wc_customer_lookup"];

/// The object key of `part` of backup `backup` of the store with `store_uid`.
pub fn object_key(store_uid: &str, backup: &str, part: &str) -> String {
    format!("{store_uid}/{backup}/{part}")
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    pub format: u32,
    /// What the operator knew when it started the backup.
    #[serde(flatten)]
    pub subject: Subject,
    pub started_at: String,
    pub finished_at: String,
    pub parts: Vec<Part>,
    /// Rows of each counted table present in the dump.
    pub rows: BTreeMap<String, u64>,
}

/// The store a backup is of, as the operator describes it to the Job.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Subject {
    pub store: StoreIdentity,
    /// The Store's spec (it holds no secret).
    pub spec: serde_json::Value,
    pub versions: Versions,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct StoreIdentity {
    pub namespace: String,
    pub name: String,
    pub uid: String,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct Versions {
    pub wordpress: String,
    pub woocommerce: String,
    pub database: String,
    pub nexus: String,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Part {
    pub name: String,
    /// Bytes as stored (encrypted).
    pub size: u64,
    /// Hex SHA-256 of the bytes as stored.
    pub sha256: String,
}

/// Counts rows in a `mariadb-dump --skip-extended-insert` stream (one
/// `INSERT INTO `table` VALUES (...);` line per row; newlines inside values
/// are escaped), and notices the dump's closing comment, which
/// mariadb-dump writes only when it finished.
pub struct RowCounter {
    /// The start of the current line, up to the longest prefix we look for.
    head: Vec<u8>,
    /// Whether the current line is longer than `head` keeps.
    truncated: bool,
    prefixes: Vec<(Vec<u8>, &'static str)>,
    rows: BTreeMap<String, u64>,
    completed: bool,
}

const COMPLETED: &[u8] = b"-- Dump completed";

impl Default for RowCounter {
    fn default() -> Self {
        let prefixes: Vec<_> = COUNTED_TABLES
            .iter()
            .map(|t| (format!("INSERT INTO `{t}` VALUES ").into_bytes(), *t))
            .collect();
        RowCounter {
            head: Vec::with_capacity(64),
            truncated: false,
            prefixes,
            rows: BTreeMap::new(),
            completed: false,
        }
    }
}

impl RowCounter {
    fn keep(&self) -> usize {
        self.prefixes
            .iter()
            .map(|(p, _)| p.len())
            .max()
            .unwrap_or(0)
            .max(COMPLETED.len())
    }

    pub fn feed(&mut self, bytes: &[u8]) {
        let keep = self.keep();
        for line in bytes.split_inclusive(|b| *b == b'\n') {
            let (text, ends) = match line.strip_suffix(b"\n") {
                Some(text) => (text, true),
                None => (line, false),
            };
            let room = keep.saturating_sub(self.head.len());
            self.head.extend_from_slice(&text[..text.len().min(room)]);
            self.truncated |= text.len() > room;
            if ends {
                self.end_line();
            }
        }
    }

    fn end_line(&mut self) {
        // Any line after the closing comment means it was not the end.
        self.completed = self.head.starts_with(COMPLETED);
        if let Some((_, table)) = self.prefixes.iter().find(|(p, _)| self.head.starts_with(p)) {
            *self.rows.entry(table.to_string()).or_default() += 1;
        }
        self.head.clear();
        self.truncated = false;
    }

    /// The row counts, and whether the dump ended with its closing comment.
    pub fn finish(mut self) -> (BTreeMap<String, u64>, bool) {
        if !self.head.is_empty() {
            self.end_line();
        }
        (self.rows, self.completed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DUMP: &str = "-- MariaDB dump 10.19\n\
        CREATE TABLE `wp_posts` (`ID` bigint);\n\
        INSERT INTO `wp_posts` VALUES (1,'Hello\\nworld','a;b');\n\
        INSERT INTO `wp_posts` VALUES (2,'INSERT INTO `wp_posts` VALUES (9)');\n\
        INSERT INTO `wp_postmeta` VALUES (1,1,'k','v');\n\
        INSERT INTO `wp_wc_orders` VALUES (7,'wc-processing');\n\
        -- Dump completed on 2026-12-05  4:40:00\n";

    #[test]
    fn rows_are_counted_per_table_whatever_the_chunks() {
        for chunk in [1, 2, 7, 64, DUMP.len()] {
            let mut counter = RowCounter::default();
            for piece in DUMP.as_bytes().chunks(chunk) {
                counter.feed(piece);
            }
            let (rows, completed) = counter.finish();
            assert_eq!(
                rows,
                BTreeMap::from([("wp_posts".into(), 2), ("wp_wc_orders".into(), 1)]),
                "chunks of {chunk}"
            );
            assert!(completed, "chunks of {chunk}");
        }
    }

    #[test]
    fn a_dump_cut_short_is_not_completed() {
        let cut = &DUMP[..DUMP.find("-- Dump completed").unwrap()];
        let mut counter = RowCounter::default();
        counter.feed(cut.as_bytes());
        assert!(!counter.finish().1);
        let mut counter = RowCounter::default();
        counter.feed(format!("{DUMP}INSERT INTO `wp_posts` VALUES (3);\n").as_bytes());
        assert!(!counter.finish().1, "the closing comment must be last");
    }

    #[test]
    fn a_manifest_reads_back_as_written() {
        let manifest = Manifest {
            format: FORMAT,
            subject: Subject {
                store: StoreIdentity {
                    namespace: "team-a".into(),
                    name: "shop".into(),
                    uid: "0f3c".into(),
                },
                spec: serde_json::json!({"plan": "small"}),
                versions: Versions::default(),
            },
            started_at: "2026-12-05T04:40:00Z".into(),
            finished_at: "2026-12-05T04:41:00Z".into(),
            parts: vec![Part {
                name: DATABASE_PART.into(),
                size: 10,
                sha256: "ab".into(),
            }],
            rows: BTreeMap::from([("wp_posts".into(), 2)]),
        };
        let json = serde_json::to_string(&manifest).unwrap();
        assert!(
            json.contains("\"store\":{\"namespace\":\"team-a\""),
            "{json}"
        );
        assert_eq!(serde_json::from_str::<Manifest>(&json).unwrap(), manifest);
        assert_eq!(
            object_key("0f3c", "shop-1", MANIFEST),
            "0f3c/shop-1/manifest.json"
        );
    }
}
