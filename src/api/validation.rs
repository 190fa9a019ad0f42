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
/// A field naming a store (a Backup's `spec.store`): the store name's rule.
pub const STORE_REFERENCE_CEL: &str =
    "self.size() <= 40 && self.matches('^[a-z]([-a-z0-9]*[a-z0-9])?$')";
/// A field naming another object of the namespace (a Restore's
/// `spec.backup`): a DNS subdomain, as object names are.
pub const OBJECT_REFERENCE_CEL: &str =
    "self.size() <= 253 && self.matches('^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$')";
pub const HOSTNAME_CEL: &str =
    "self.matches('^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?[.])+[a-z]([-a-z0-9]{0,61}[a-z0-9])?$')";
/// Labels with '--' as their third and fourth characters are reserved for
/// internationalized names (`xn--`, punycode): a store name never is one.
pub const STORE_NAME_RESERVED_CEL: &str = "!self.metadata.name.matches('^..--')";

/// Names that resolve inside a cluster or a private network, never on the
/// internet: a store served at one would reach (or impersonate) the inside.
pub const INTERNAL_HOST_SUFFIXES: [&str; 5] = ["svc", "local", "internal", "localhost", "arpa"];
pub const INTERNAL_HOST_CEL: &str = "!self.matches('(^|[.])(svc|local|internal|localhost|arpa)$')";
/// Internationalized labels (`xn--`, punycode) spell look-alikes of known
/// names (`xn--pypal-4ve.com` shows as "pаypal.com" with a Cyrillic a): a
/// shop's domain is plain ASCII.
pub const LOOKALIKE_HOST_CEL: &str = "!self.matches('(^|[.])xn--')";
/// The local part is dot-separated words: no leading, trailing or doubled dot.
pub const EMAIL_CEL: &str = "self.matches('^[A-Za-z0-9_%+-]+([.][A-Za-z0-9_%+-]+)*@([A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?[.])+[A-Za-z]{2,63}$')";

/// The currencies a shop can price in: every code WooCommerce offers (its
/// `get_woocommerce_currencies`, which adds codes outside ISO 4217 such as
/// BTC, IRT, PRB and the crown dependencies' GGP, IMP and JEP, and keeps
/// retired ones such as HRK, BYR and VEF), and the active ISO 4217 codes it
/// does not list yet (SLE, SVC, VED, XCG, ZWG, ZWL: accepted before, kept).
/// Never fund codes (BOV, CHE, CLF, ...), precious metals (XAU, XAG, ...),
/// SDRs or the testing and "no currency" codes (XTS, XXX).
pub const CURRENCIES: [&str; 169] = [
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT",
    "BGN", "BHD", "BIF", "BMD", "BND", "BOB", "BRL", "BSD", "BTC", "BTN", "BWP", "BYN", "BYR",
    "BZD", "CAD", "CDF", "CHF", "CLP", "CNY", "COP", "CRC", "CUC", "CUP", "CVE", "CZK", "DJF",
    "DKK", "DOP", "DZD", "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP", "GEL", "GGP", "GHS",
    "GIP", "GMD", "GNF", "GTQ", "GYD", "HKD", "HNL", "HRK", "HTG", "HUF", "IDR", "ILS", "IMP",
    "INR", "IQD", "IRR", "IRT", "ISK", "JEP", "JMD", "JOD", "JPY", "KES", "KGS", "KHR", "KMF",
    "KPW", "KRW", "KWD", "KYD", "KZT", "LAK", "LBP", "LKR", "LRD", "LSL", "LYD", "MAD", "MDL",
    "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR", "MWK", "MXN", "MYR", "MZN", "NAD",
    "NGN", "NIO", "NOK", "NPR", "NZD", "OMR", "PAB", "PEN", "PGK", "PHP", "PKR", "PLN", "PRB",
    "PYG", "QAR", "RON", "RSD", "RUB", "RWF", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD", "SHP",
    "SLE", "SLL", "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL", "THB", "TJS", "TMT", "TND",
    "TOP", "TRY", "TTD", "TWD", "TZS", "UAH", "UGX", "USD", "UYU", "UZS", "VED", "VEF", "VES",
    "VND", "VUV", "WST", "XAF", "XCD", "XCG", "XOF", "XPF", "YER", "ZAR", "ZMW", "ZWG", "ZWL",
];

/// `self in [...]` over `CURRENCIES`, for the CRD.
pub fn currency_cel() -> String {
    let codes: Vec<String> = CURRENCIES.iter().map(|c| format!("'{c}'")).collect();
    format!("self in [{}]", codes.join(", "))
}

/// Label key prefixes a Store's labels may not use: Kubernetes's own, and
/// Nexus's (the operator selects and shards stores by them).
pub const RESERVED_LABEL_PREFIXES: [&str; 3] = ["kubernetes.io", "k8s.io", "nexus.dev"];

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

/// A field naming another object of the namespace (a clone's
/// `source.backup`): OBJECT_REFERENCE_CEL's rule, a DNS subdomain.
pub fn object_reference(field: &'static str, name: &str) -> Result<(), Invalid> {
    let allowed = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.';
    let edge = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    if name.is_empty()
        || name.len() > 253
        || !name.bytes().all(allowed)
        || !name.starts_with(edge)
        || !name.ends_with(edge)
    {
        return Err(invalid(
            field,
            format!(
                "{} does not name an object: use at most 253 lowercase letters, digits, '-' and '.', starting and ending with a letter or digit (kubectl nexus store backups STORE lists backups)",
                shown(name)
            ),
        ));
    }
    Ok(())
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
    if name.get(2..4) == Some("--") {
        return Err(invalid(
            "store name",
            format!(
                "{} has '--' as its third and fourth characters, which marks internationalized (xn--) names; pick another name",
                shown(name)
            ),
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
    if !ok {
        return Err(invalid(
            "domain",
            format!(
                "{} is not a host name; use a lowercase name such as shop.example.com (at most {MAX_DOMAIN_LEN} characters)",
                shown(domain)
            ),
        ));
    }
    if domain.split('.').any(|label| label.starts_with("xn--")) {
        return Err(invalid(
            "domain",
            format!(
                "{} has an internationalized (xn--) label, which can spell a look-alike of another address; use a plain ASCII host name such as shop.example.com",
                shown(domain)
            ),
        ));
    }
    let internal = INTERNAL_HOST_SUFFIXES
        .iter()
        .find(|suffix| domain.rsplit('.').next() == Some(**suffix));
    match internal {
        Some(suffix) => Err(invalid(
            "domain",
            format!(
                "{} ends in .{suffix}, a cluster-internal or private name; use a public host name such as shop.example.com",
                shown(domain)
            ),
        )),
        None => Ok(()),
    }
}

/// The platform's own names: a store's domain may not be the base domain nor
/// lie under it, except its own `<name>.<base>` (another store's host there
/// would be taken over).
pub fn domain_for_store(domain: &str, store: &str, base_domain: &str) -> Result<(), Invalid> {
    let own = format!("{store}.{base_domain}");
    let under_base = domain == base_domain || domain.ends_with(&format!(".{base_domain}"));
    if under_base && domain != own {
        return Err(invalid(
            "domain",
            format!(
                "{} lies under the platform's base domain {base_domain}, where every store has its own name: leave domain unset to be served at {own}, or use a domain of your own",
                shown(domain)
            ),
        ));
    }
    Ok(())
}

pub fn admin_email(email: &str) -> Result<(), Invalid> {
    let word = |w: &str| {
        !w.is_empty()
            && w.chars()
                .all(|c| c.is_ascii_alphanumeric() || "_%+-".contains(c))
    };
    let ok = email.len() <= MAX_EMAIL_LEN
        && email
            .split_once('@')
            .is_some_and(|(local, host)| local.split('.').all(word) && is_email_host(host));
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

/// A store's backup policy (`BackupPolicy::check`): a schedule that fires,
/// and a keep that can be read. (How often the platform allows is the
/// StorePolicy's, at admission.)
pub fn backup_policy(
    schedule_text: &str,
    keep_count: Option<u32>,
    keep_age: Option<&str>,
) -> Result<(), Invalid> {
    let schedule = crate::schedule::Schedule::parse(schedule_text)
        .map_err(|e| invalid("backup schedule", e))?;
    let now = k8s_openapi::jiff::Timestamp::now();
    if schedule.next_after(now).is_none() {
        return Err(invalid(
            "backup schedule",
            format!(
                "{} never fires (no such day in the next five years)",
                shown(schedule_text)
            ),
        ));
    }
    if keep_count == Some(0) {
        return Err(invalid(
            "backup keep count",
            "0 would remove every scheduled backup; keep at least 1",
        ));
    }
    {
        if let Some(age) = keep_age {
            let parsed = crate::duration::parse(age).map_err(|e| invalid("backup keep age", e))?;
            if parsed < std::time::Duration::from_secs(3600) {
                return Err(invalid(
                    "backup keep age",
                    format!(
                        "{} is under an hour: a backup would be removed about as soon as it is taken; keep them at least 1h",
                        shown(age)
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// The time between a store's checks: a duration from a minute to a day.
pub fn check_interval(text: &str) -> Result<std::time::Duration, Invalid> {
    let interval = crate::duration::parse(text).map_err(|e| invalid("check interval", e))?;
    let (least, most) = (
        std::time::Duration::from_secs(60),
        std::time::Duration::from_secs(24 * 3600),
    );
    if interval < least || interval > most {
        return Err(invalid(
            "check interval",
            format!(
                "{} is out of range: check at most every minute and at least once a day (1m to 24h)",
                shown(text)
            ),
        ));
    }
    Ok(interval)
}

pub fn currency(code: &str) -> Result<(), Invalid> {
    if CURRENCIES.contains(&code) {
        Ok(())
    } else {
        Err(invalid(
            "currency",
            format!(
                "{} is not a currency a shop can price in: use an ISO 4217 code such as USD, EUR or JPY, or one WooCommerce adds such as BTC",
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
    if !(prefix_ok && name_ok && value_ok) {
        return Err(fail());
    }
    match reserved_prefix(key) {
        Some(reserved) => Err(invalid(
            "label",
            format!(
                "{} uses the reserved prefix {reserved}/ (kept for Kubernetes and Nexus); use a prefix of your own, such as example.com/tier=gold",
                shown(text)
            ),
        )),
        None => Ok((key, value)),
    }
}

/// The reserved prefix a label key uses, if any (the domain or a subdomain).
pub fn reserved_prefix(key: &str) -> Option<&'static str> {
    let (prefix, _) = key.split_once('/')?;
    RESERVED_LABEL_PREFIXES
        .into_iter()
        .find(|r| prefix == *r || prefix.ends_with(&format!(".{r}")))
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
        ("xn--shop", false),
        ("ab--cd", false),
        ("abc--d", true),
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
        ("kubernetes.default.svc", false),
        ("db.store-x.svc.cluster.local", false),
        ("metadata.google.internal", false),
        ("shop.localhost", false),
        ("printer.local", false),
        ("1.0.0.10.in-addr.arpa", false),
        ("10.0.0.1", false),
        ("internal.example.com", true),
        ("xn--pypal-4ve.com", false),
        ("shop.xn--p1ai", false),
        ("xnshop.example.com", true),
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
        ("..@example.com", false),
        (".owner.@example.com", false),
        ("owner.@example.com", false),
        ("first..last@example.com", false),
    ];
    pub const CURRENCIES: &[(&str, bool)] = &[
        ("USD", true),
        ("EUR", true),
        ("JPY", true),
        ("XOF", true),
        ("XCD", true),
        ("BTC", true),
        ("IRT", true),
        ("JEP", true),
        ("ABC", false),
        ("XXX", false),
        ("XAU", false),
        ("XTS", false),
        ("usd", false),
        ("EURO", false),
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_check_interval_is_a_minute_to_a_day() {
        assert_eq!(
            check_interval("15m"),
            Ok(std::time::Duration::from_secs(900))
        );
        assert!(check_interval("1m").is_ok() && check_interval("24h").is_ok());
        for (text, said) in [
            ("30s", "out of range"),
            ("2d", "out of range"),
            ("often", ""),
        ] {
            let error = check_interval(text).unwrap_err().to_string();
            assert!(error.starts_with("invalid check interval"), "{error}");
            assert!(error.contains(said), "{error}");
        }
    }

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
    fn a_store_domain_stays_off_the_platforms_own_names() {
        let base = "shops.example.com";
        assert!(domain_for_store("shop.example.org", "demo", base).is_ok());
        assert!(domain_for_store("demo.shops.example.com", "demo", base).is_ok());
        for taken in [
            "shops.example.com",
            "other.shops.example.com",
            "a.demo.shops.example.com",
        ] {
            let err = domain_for_store(taken, "demo", base)
                .unwrap_err()
                .to_string();
            assert!(
                err.contains("base domain shops.example.com"),
                "{taken}: {err}"
            );
            assert!(err.contains("demo.shops.example.com"), "{err}");
        }
        assert!(domain_for_store("evilshops.example.com", "demo", base).is_ok());
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
    fn currencies_follow_the_shared_table() {
        for (code, valid) in cases::CURRENCIES {
            assert_eq!(currency(code).is_ok(), *valid, "{code:?}");
        }
        let err = currency("XAU").unwrap_err().to_string();
        assert!(err.contains("ISO 4217") && err.contains("USD"), "{err}");
    }

    #[test]
    fn the_currency_list_has_no_code_twice() {
        let mut sorted = CURRENCIES.to_vec();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), CURRENCIES.len(), "a code is listed twice");
    }

    #[test]
    fn reserved_label_prefixes_are_refused() {
        for reserved in [
            "kubernetes.io/x=y",
            "node.kubernetes.io/role=shop",
            "k8s.io/a=b",
            "nexus.dev/test=1",
            "shard.nexus.dev/id=2",
        ] {
            let err = label(reserved).unwrap_err().to_string();
            assert!(err.contains("reserved prefix"), "{reserved}: {err}");
        }
        assert!(label("example.com/tier=gold").is_ok());
        assert!(
            label("notkubernetes.io/x=y").is_ok(),
            "only the domain and its subdomains"
        );
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
