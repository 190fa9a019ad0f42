//! Who may talk to the dashboard: only the browser of the person who
//! started it. A page of another site (or a DNS name rebound to this
//! machine) cannot read or write through it, and a process of another user
//! on this machine cannot either without the token the dashboard printed.
//!
//! - Host must be the address the dashboard serves (no DNS rebinding);
//! - an Origin, when sent, must be the dashboard's own (no cross-site
//!   reads by fetch, no cross-site writes);
//! - the token in the printed URL signs one browser in, once: it gets a
//!   session cookie (a secret of its own, never printed) only this site
//!   sends (HttpOnly, SameSite=Strict), and every request needs that
//!   cookie; the URL opens nothing afterwards, so a copy of it (terminal
//!   scrollback, shell history, a screen share) is worth nothing;
//! - a write also needs the CSRF token the page reads from the dashboard.

use std::sync::atomic::{AtomicBool, Ordering};

/// The cookie that carries the session.
pub const COOKIE: &str = "nexus_dashboard";
/// The header a write carries its CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// What a guard knows: the secrets, whether the token was used, and where
/// it is served.
#[derive(Debug)]
pub struct Guard {
    token: String,
    /// Set once the token signed a browser in: it signs none in again.
    spent: AtomicBool,
    /// The signed-in browser's cookie.
    session: String,
    csrf: String,
    /// Host header values that name this dashboard (host:port).
    hosts: Vec<String>,
}

/// A request as the guard reads it.
#[derive(Default, Debug, Clone)]
pub struct Asked<'a> {
    pub write: bool,
    pub host: Option<&'a str>,
    pub origin: Option<&'a str>,
    pub cookie: Option<&'a str>,
    /// The `token` query parameter.
    pub query_token: Option<&'a str>,
    pub csrf: Option<&'a str>,
}

/// The guard's answer.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    /// The printed URL's token, its first use: set the session cookie and
    /// go to the page without the token in its address.
    SignIn,
    /// 401 or 403, with why.
    Refuse(u16, &'static str),
}

impl Guard {
    /// `hosts`: every host:port the dashboard answers to.
    pub fn new(token: String, session: String, csrf: String, hosts: Vec<String>) -> Self {
        Guard {
            token,
            spent: AtomicBool::new(false),
            session,
            csrf,
            hosts,
        }
    }

    pub fn token(&self) -> &str {
        &self.token
    }

    pub fn csrf(&self) -> &str {
        &self.csrf
    }

    /// Whether `asked` may pass. A sign-in spends the token: of two
    /// browsers given the URL, only the first gets in.
    pub fn check(&self, asked: &Asked) -> Verdict {
        let Some(host) = asked
            .host
            .filter(|h| self.hosts.iter().any(|ours| ours == h))
        else {
            return Verdict::Refuse(403, "this dashboard answers only to its own address");
        };
        let own_origin = format!("http://{host}");
        if asked.origin.is_some_and(|o| o != own_origin) {
            return Verdict::Refuse(403, "requests from other sites are refused");
        }
        let cookie = asked.cookie.and_then(cookie_value);
        if !cookie.is_some_and(|c| same(c, &self.session)) {
            return match asked.query_token {
                Some(t) if !asked.write && same(t, &self.token) => {
                    if self.spent.swap(true, Ordering::SeqCst) {
                        Verdict::Refuse(
                            401,
                            "this address already signed a browser in, and it does so once: use that browser, or start kubectl nexus dashboard again for a new address",
                        )
                    } else {
                        Verdict::SignIn
                    }
                }
                _ => Verdict::Refuse(
                    401,
                    "open the address kubectl nexus dashboard printed (it carries the token of this run)",
                ),
            };
        }
        if asked.write {
            // A write always names its origin: browsers send Origin on
            // every POST, PUT and DELETE.
            if asked.origin != Some(own_origin.as_str()) {
                return Verdict::Refuse(403, "a write must come from the dashboard's page");
            }
            if !asked.csrf.is_some_and(|t| same(t, &self.csrf)) {
                return Verdict::Refuse(403, "a write needs the page's CSRF token");
            }
        }
        Verdict::Pass
    }

    /// The Set-Cookie value that signs a browser in.
    pub fn sign_in_cookie(&self) -> String {
        format!(
            "{COOKIE}={}; Path=/; HttpOnly; SameSite=Strict",
            self.session
        )
    }
}

/// Where a signed-in browser goes next: the path it asked for, unless that
/// would leave this site (`//host/...` is another site's address to a
/// browser, and browsers read `/\host` so too).
pub fn sign_in_location(path: &str) -> &str {
    let leaves = path.starts_with("//") || path.starts_with("/\\") || !path.starts_with('/');
    if leaves { "/" } else { path }
}

/// The dashboard's session from a Cookie header.
fn cookie_value(header: &str) -> Option<&str> {
    header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value)
}

/// Equal, in a time that does not depend on where they differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guard() -> Guard {
        Guard::new(
            "T0kenT0kenT0kenT0kenT0kenT0ken00".into(),
            "SessionSessionSessionSession0000".into(),
            "CsrfCsrfCsrfCsrfCsrfCsrfCsrfCsrf".into(),
            vec!["127.0.0.1:8765".into(), "localhost:8765".into()],
        )
    }

    fn signed_in() -> Asked<'static> {
        Asked {
            host: Some("127.0.0.1:8765"),
            cookie: Some("other=1; nexus_dashboard=SessionSessionSessionSession0000"),
            ..Asked::default()
        }
    }

    #[test]
    fn the_printed_token_signs_one_browser_in_once_and_nothing_else_does() {
        let g = guard();
        let by_url = Asked {
            host: Some("localhost:8765"),
            query_token: Some(g.token()),
            ..Asked::default()
        };
        assert_eq!(g.check(&by_url), Verdict::SignIn);
        let cookie = g.sign_in_cookie();
        assert!(cookie.contains("HttpOnly; SameSite=Strict"), "{cookie}");
        assert!(
            !cookie.contains(g.token()),
            "the cookie is not the token: {cookie}"
        );
        assert_eq!(g.check(&signed_in()), Verdict::Pass);
        // The address again, in another browser: spent.
        match g.check(&by_url) {
            Verdict::Refuse(401, why) => assert!(why.contains("once"), "{why}"),
            other => panic!("a second sign-in: {other:?}"),
        }
        // The token is no cookie.
        let token_as_cookie = Asked {
            cookie: Some("nexus_dashboard=T0kenT0kenT0kenT0kenT0kenT0ken00"),
            ..signed_in()
        };
        assert_eq!(g.check(&token_as_cookie).status(), 401);
        // The browser signed in still is, token in its address or not.
        let again = Asked {
            query_token: Some(g.token()),
            ..signed_in()
        };
        assert_eq!(g.check(&again), Verdict::Pass);
        let guessed = Asked {
            query_token: Some("T0kenT0kenT0kenT0kenT0kenT0ken01"),
            ..signed_in()
        };
        assert_eq!(
            g.check(&Asked {
                cookie: None,
                ..guessed
            })
            .status(),
            401
        );
        let nothing = Asked {
            host: Some("127.0.0.1:8765"),
            ..Asked::default()
        };
        assert_eq!(g.check(&nothing).status(), 401);
    }

    #[test]
    fn signing_in_never_sends_the_browser_to_another_site() {
        assert_eq!(sign_in_location("/"), "/");
        assert_eq!(sign_in_location("/stores/a/b"), "/stores/a/b");
        for away in ["//evil.example/", "/\\evil.example", "evil.example", ""] {
            assert_eq!(sign_in_location(away), "/", "{away}");
        }
    }

    #[test]
    fn another_host_or_another_sites_origin_is_refused_even_with_the_token() {
        let g = guard();
        for host in [None, Some("evil.example:8765"), Some("127.0.0.1:9999")] {
            let rebound = Asked {
                host,
                ..signed_in()
            };
            assert_eq!(g.check(&rebound).status(), 403, "{host:?}");
        }
        let cross = Asked {
            origin: Some("https://evil.example"),
            ..signed_in()
        };
        assert_eq!(g.check(&cross).status(), 403);
        let same_site = Asked {
            origin: Some("http://127.0.0.1:8765"),
            ..signed_in()
        };
        assert_eq!(g.check(&same_site), Verdict::Pass);
    }

    #[test]
    fn a_write_needs_its_own_origin_and_the_csrf_token() {
        let g = guard();
        let write = |origin, csrf| Asked {
            write: true,
            origin,
            csrf,
            ..signed_in()
        };
        let own = Some("http://127.0.0.1:8765");
        assert_eq!(g.check(&write(own, Some(g.csrf()))), Verdict::Pass);
        assert_eq!(g.check(&write(own, None)).status(), 403);
        assert_eq!(g.check(&write(own, Some("wrong"))).status(), 403);
        assert_eq!(g.check(&write(None, Some(g.csrf()))).status(), 403);
        // The token in a URL never signs a write in.
        let by_url = Asked {
            cookie: None,
            query_token: Some(g.token()),
            ..write(own, Some(g.csrf()))
        };
        assert_eq!(g.check(&by_url).status(), 401);
    }

    impl Verdict {
        fn status(&self) -> u16 {
            match self {
                Verdict::Refuse(status, _) => *status,
                _ => 200,
            }
        }
    }
}
