//! A backup's dump has one `INSERT` a row (`mariadb-dump
//! --skip-extended-insert`: the backup counts rows by them). Sent to a
//! database server one statement at a time, each row waits for its answer:
//! over a pod network that made a restore's load six times a plain one. So
//! before a dump is loaded, runs of rows of one table are joined into
//! multi-row statements, as `mariadb-dump`'s own extended inserts are.

use std::io::{self, Write};

/// At most this many bytes of rows in one statement: far below the
/// server's `max_allowed_packet` (16 MiB by default).
pub const STATEMENT_BYTES: usize = 1024 * 1024;

/// Writes a dump through, joining consecutive one-row inserts into the
/// same table. Any other line (and an insert it does not recognise) goes
/// through as it is, after the statement being joined is closed.
pub struct InsertJoiner<W: Write> {
    out: W,
    /// The `INSERT INTO `t` VALUES ` of the statement being joined.
    prefix: Vec<u8>,
    /// Rows written into it so far (bytes), 0: none open.
    open: usize,
}

impl<W: Write> InsertJoiner<W> {
    pub fn new(out: W) -> Self {
        InsertJoiner {
            out,
            prefix: Vec::new(),
            open: 0,
        }
    }

    /// One line of the dump, with its newline.
    pub fn line(&mut self, line: &[u8]) -> io::Result<()> {
        match one_row(line) {
            Some((prefix, row)) => {
                let joins = self.open > 0
                    && prefix == self.prefix.as_slice()
                    && self.open + row.len() <= STATEMENT_BYTES;
                if joins {
                    self.out.write_all(b",")?;
                } else {
                    self.close()?;
                    self.out.write_all(prefix)?;
                    self.prefix.clear();
                    self.prefix.extend_from_slice(prefix);
                }
                self.out.write_all(row)?;
                self.open += row.len();
                Ok(())
            }
            None => {
                self.close()?;
                self.out.write_all(line)
            }
        }
    }

    /// Closes the statement being joined; returns the writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.close()?;
        Ok(self.out)
    }

    fn close(&mut self) -> io::Result<()> {
        if self.open > 0 {
            self.out.write_all(b";\n")?;
            self.open = 0;
        }
        Ok(())
    }
}

/// A one-row insert's prefix (`INSERT INTO `t` VALUES `) and its row
/// (`(...)`), or None for any other line.
fn one_row(line: &[u8]) -> Option<(&[u8], &[u8])> {
    const START: &[u8] = b"INSERT INTO `";
    const VALUES: &[u8] = b"` VALUES (";
    let body = line.strip_suffix(b";\n")?;
    if !body.starts_with(START) || !body.ends_with(b")") {
        return None;
    }
    // The table name ends at the first backquote followed by " VALUES (";
    // a backquote inside a name is doubled, so it cannot be mistaken.
    let at = body
        .windows(VALUES.len())
        .position(|window| window == VALUES)?;
    let split = at + VALUES.len() - 1;
    Some((&body[..split], &body[split..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn joined(dump: &str) -> String {
        let mut joiner = InsertJoiner::new(Vec::new());
        for line in dump.split_inclusive('\n') {
            joiner.line(line.as_bytes()).unwrap();
        }
        String::from_utf8(joiner.finish().unwrap()).unwrap()
    }

    #[test]
    fn runs_of_rows_of_one_table_become_one_statement_and_nothing_else_changes() {
        let dump = "\
LOCK TABLES `wp_posts` WRITE;
INSERT INTO `wp_posts` VALUES (1,'a;b','x),(y');
INSERT INTO `wp_posts` VALUES (2,'it''s\\n','INSERT INTO `wp_posts` VALUES (9);');
INSERT INTO `wp_postmeta` VALUES (1,1,'k','v');
UNLOCK TABLES;
INSERT INTO `odd` VALUES (1) /* not a plain row */;
-- Dump completed on 2026-12-05
";
        assert_eq!(
            joined(dump),
            "\
LOCK TABLES `wp_posts` WRITE;
INSERT INTO `wp_posts` VALUES (1,'a;b','x),(y'),(2,'it''s\\n','INSERT INTO `wp_posts` VALUES (9);');
INSERT INTO `wp_postmeta` VALUES (1,1,'k','v');
UNLOCK TABLES;
INSERT INTO `odd` VALUES (1) /* not a plain row */;
-- Dump completed on 2026-12-05
"
        );
    }

    #[test]
    fn a_statement_stops_growing_at_its_size() {
        let row = format!("({})", "9".repeat(STATEMENT_BYTES / 2 - 10));
        let line = format!("INSERT INTO `t` VALUES {row};\n");
        let out = joined(&line.repeat(3));
        assert_eq!(out.matches("INSERT INTO").count(), 2, "two rows, then one");
        assert_eq!(out.matches("),(").count(), 1);
        assert!(out.ends_with(");\n"));
    }
}
