//! The rules a Store must follow, twice over: as CEL for the CRD (so the API
//! server enforces them for every client) and as Rust for the CLI (so users get
//! the same answer before anything is sent). Tests hold both to one table.

use std::fmt;

/// `store-<name>` must be a namespace name and `<name>` a host name label;
/// 40 leaves room for prefixes and suffixes of the objects built from it.
pub const MAX_STORE_NAME_LEN: usize = 40;
pub const MAX_DOMAIN_LEN: usize = 253;
pub const MAX_EMAIL_LEN: usize = 254;

pub const STORE_NAME_CEL: &str =
    "self.metadata.name.size() <= 40 && self.metadata.name.matches('^[a-z]([-a-z0-9]*[a-z0-9])?$')";
pub const HOSTNAME_CEL: &str =
    "self.matches('^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?[.])+[a-z]([-a-z0-9]{0,61}[a-z0-9])?$')";
pub const EMAIL_CEL: &str = "self.matches('^[A-Za-z0-9._%+-]+@([A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?[.])+[A-Za-z]{2,63}$')";
pub const CURRENCY_CEL: &str = "self.matches('^[A-Z]{3}$')";

/// A rule a user's input broke, with what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub field: &'static str,
    pub message: String,
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid {}: {}", self.field, self.message)
    }
}

impl std::error::Error for Invalid {}

fn invalid(field: &'static str, message: impl Into<String>) -> Invalid {
    Invalid {
        field,
        message: message.into(),
    }
}

/// Shown for input we print back: hostile input must not reach the terminal raw.
fn shown(value: &str) -> String {
    let mut shown: String = value.chars().take(60).collect();
    if value.chars().count() > 60 {
        shown.push('…');
    }
    format!("{shown:?}")
}

pub fn store_name(name: &str) -> Result<(), Invalid> {
    let rule = "use lowercase letters, digits and '-', start with a letter and end with a letter or digit (example: my-shop)";
    if name.is_empty() {
        return Err(invalid("store name", format!("it is empty; {rule}")));
    }
    if name.len() > MAX_STORE_NAME_LEN {
        return Err(invalid(
            "store name",
            format!(
                "{} is {} characters long; use at most {MAX_STORE_NAME_LEN}",
                shown(name),
                name.chars().count()
            ),
        ));
    }
    if !is_dns_label(name) || !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Err(invalid(
            "store name",
            format!("{} is not allowed; {rule}", shown(name)),
        ));
    }
    Ok(())
}

pub fn domain(domain: &str) -> Result<(), Invalid> {
    let ok = domain.len() <= MAX_DOMAIN_LEN && {
        let labels: Vec<&str> = domain.split('.').collect();
        labels.len() >= 2
            && labels.iter().all(|l| is_dns_label(l))
            && labels
                .last()
                .is_some_and(|tld| tld.starts_with(|c: char| c.is_ascii_lowercase()))
    };
    if ok {
        Ok(())
    } else {
        Err(invalid(
            "domain",
            format!(
                "{} is not a host name; use a lowercase name such as shop.example.com (at most {MAX_DOMAIN_LEN} characters)",
                shown(domain)
            ),
        ))
    }
}

pub fn admin_email(email: &str) -> Result<(), Invalid> {
    let ok = email.len() <= MAX_EMAIL_LEN
        && email.split_once('@').is_some_and(|(local, host)| {
            !local.is_empty()
                && local
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._%+-".contains(c))
                && is_email_host(host)
        });
    if ok {
        Ok(())
    } else {
        Err(invalid(
            "admin email",
            format!(
                "{} is not an email address; use one such as owner@example.com",
                shown(email)
            ),
        ))
    }
}

pub fn currency(code: &str) -> Result<(), Invalid> {
    if code.len() == 3 && code.chars().all(|c| c.is_ascii_uppercase()) {
        Ok(())
    } else {
        Err(invalid(
            "currency",
            format!(
                "{} is not a currency code; use a three-letter ISO 4217 code such as USD or EUR",
                shown(code)
            ),
        ))
    }
}

/// A Kubernetes label given as KEY=VALUE: an optional DNS-subdomain prefix and
/// '/', a name of up to 63 characters, a value of up to 63.
pub fn label(text: &str) -> Result<(&str, &str), Invalid> {
    let fail = || {
        invalid(
            "label",
            format!(
                "{} is not KEY=VALUE with a valid label key and value, such as team=payments or example.com/tier=gold",
                shown(text)
            ),
        )
    };
    let (key, value) = text.split_once('=').ok_or_else(fail)?;
    let (prefix, name) = match key.split_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, key),
    };
    let prefix_ok = prefix.is_none_or(|p| p.len() <= 253 && p.split('.').all(is_dns_label));
    let name_ok = !name.is_empty() && is_label_value(name);
    let value_ok = value.is_empty() || is_label_value(value);
    if prefix_ok && name_ok && value_ok {
        Ok((key, value))
    } else {
        Err(fail())
    }
}

/// 1 to 63 of [A-Za-z0-9-_.], alphanumeric at both ends.
fn is_label_value(text: &str) -> bool {
    let bytes = text.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 63
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(b))
        && bytes[0].is_ascii_alphanumeric()
        && bytes[bytes.len() - 1].is_ascii_alphanumeric()
}

/// RFC 1123 label: 1 to 63 of [a-z0-9-], alphanumeric at both ends.
fn is_dns_label(label: &str) -> bool {
    let bytes = label.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 63
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
        && bytes[0] != b'-'
        && bytes[bytes.len() - 1] != b'-'
}

fn is_email_host(host: &str) -> bool {
    let labels: Vec<&str> = host.split('.').collect();
    let label_ok = |l: &&str| {
        let b = l.as_bytes();
        !b.is_empty()
            && b.len() <= 63
            && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
            && b[0] != b'-'
            && b[b.len() - 1] != b'-'
    };
    labels.len() >= 2
        && labels[..labels.len() - 1].iter().all(label_ok)
        && labels.last().is_some_and(|tld| {
            (2..=63).contains(&tld.len()) && tld.chars().all(|c| c.is_ascii_alphabetic())
        })
}

/// Inputs with the verdict both the CEL rules and the Rust checks must give;
/// the unit tests below and the API-server tests in `tests/` share it.
pub mod cases {
    pub const STORE_NAMES: &[(&str, bool)] = &[
        ("demo", true),
        ("my-shop-2", true),
        ("a", true),
        ("abcdefghijabcdefghijabcdefghijabcdefghij", true),
        ("abcdefghijabcdefghijabcdefghijabcdefghijk", false),
        ("Demo", false),
        ("2shop", false),
        ("shop-", false),
        ("-shop", false),
        ("shop.example", false),
        ("shop;rm", false),
    ];
    pub const DOMAINS: &[(&str, bool)] = &[
        ("shop.example.com", true),
        ("a.io", true),
        ("localhost", false),
        ("Shop.example.com", false),
        ("shop..example.com", false),
        ("-shop.example.com", false),
        ("shop.example.com;id", false),
        ("shop.example.com.", false),
    ];
    pub const EMAILS: &[(&str, bool)] = &[
        ("owner@example.com", true),
        ("first.last+shop@mail.example.co", true),
        ("owner", false),
        ("owner@localhost", false),
        ("@example.com", false),
        ("owner@example.com\nX-Injected: 1", false),
        ("a'$(id)'@example.com", false),
        ("owner@exa mple.com", false),
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_names_follow_the_shared_table() {
        for (name, valid) in cases::STORE_NAMES {
            assert_eq!(store_name(name).is_ok(), *valid, "{name:?}");
        }
    }

    #[test]
    fn domains_follow_the_shared_table() {
        for (d, valid) in cases::DOMAINS {
            assert_eq!(domain(d).is_ok(), *valid, "{d:?}");
        }
    }

    #[test]
    fn emails_follow_the_shared_table() {
        for (e, valid) in cases::EMAILS {
            assert_eq!(admin_email(e).is_ok(), *valid, "{e:?}");
        }
    }

    #[test]
    fn labels_are_key_equals_value() {
        assert_eq!(label("team=payments").unwrap(), ("team", "payments"));
        assert_eq!(
            label("example.com/tier=").unwrap(),
            ("example.com/tier", "")
        );
        for bad in [
            "team",
            "=x",
            "team=a b",
            "Bad_Prefix/x=y",
            "x=-y",
            "a/b/c=d",
        ] {
            assert!(label(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn currency_codes_are_three_capitals() {
        assert!(currency("EUR").is_ok());
        assert!(currency("eur").is_err());
        assert!(currency("EURO").is_err());
    }

    #[test]
    fn messages_say_how_to_fix_and_quote_hostile_input() {
        let err = store_name("Bad\u{1b}[31mName").unwrap_err().to_string();
        assert!(err.contains("lowercase letters"), "{err}");
        assert!(
            !err.contains('\u{1b}'),
            "escape sequence reached the message: {err}"
        );
        let err = store_name(&"a".repeat(41)).unwrap_err().to_string();
        assert!(err.contains("at most 40"), "{err}");
    }
}
