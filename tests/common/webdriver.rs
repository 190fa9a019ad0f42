//! A real browser driven over WebDriver: Debian's chromium-driver starting
//! headless Chromium. Just the commands the dashboard's tests use, spoken
//! over plain HTTP/1.1 (one connection a command, `super::http`).

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::operator::free_port;

/// WebDriver's keys (the specification's code points).
pub const TAB: char = '\u{E004}';
pub const ENTER: char = '\u{E007}';

pub struct Browser {
    driver: Child,
    port: u16,
    session: String,
}

impl Browser {
    /// A new headless Chromium, as big as a laptop's screen.
    pub fn start() -> Self {
        let port = free_port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver (Debian's chromium-driver) runs");
        let mut browser = Browser {
            driver,
            port,
            session: String::new(),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while browser.call("GET", "/status", None).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not answer");
            std::thread::sleep(Duration::from_millis(100));
        }
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                // No sandbox as root in a container; /dev/shm is small there.
                "args": ["--headless", "--no-sandbox", "--disable-dev-shm-usage",
                         "--window-size=1280,900", "--hide-scrollbars"]
            }
        }}});
        let answer = browser.command("POST", "/session", capabilities);
        browser.session = answer["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {answer}"))
            .to_string();
        browser
    }

    pub fn goto(&self, url: &str) {
        self.session_command("POST", "url", json!({ "url": url }));
    }

    /// Runs `script` (a function body) in the page; its return value.
    pub fn run(&self, script: &str) -> Value {
        self.session_command(
            "POST",
            "execute/sync",
            json!({ "script": script, "args": [] }),
        )
    }

    /// The page's text as a reader sees it.
    pub fn text(&self) -> String {
        self.run("return document.body.innerText;")
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Waits until the page's text satisfies `wanted`; that text.
    pub fn wait_for_text(&self, what: &str, seconds: u64, wanted: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(seconds);
        loop {
            let text = self.text();
            if wanted(&text) {
                return text;
            }
            assert!(
                Instant::now() < deadline,
                "waited {seconds}s for {what}; the page says:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Clicks the link that reads `text`, as a person would.
    pub fn click_link(&self, text: &str) {
        self.on_element(("link text", text), "POST", "click", json!({}));
    }

    /// Clicks the element `css` selects, as a person would.
    pub fn click(&self, css: &str) {
        self.on_element(("css selector", css), "POST", "click", json!({}));
    }

    /// Types `text` into the element `css` selects, key by key.
    pub fn type_into(&self, css: &str, text: &str) {
        let keys = json!({ "text": text });
        self.on_element(("css selector", css), "POST", "value", keys);
    }

    /// Empties the field `css` selects.
    pub fn clear(&self, css: &str) {
        self.on_element(("css selector", css), "POST", "clear", json!({}));
    }

    /// A DOM property (`value`, `disabled`) of the element `css` selects.
    pub fn property(&self, css: &str, name: &str) -> Value {
        let what = format!("property/{name}");
        self.on_element(("css selector", css), "GET", &what, Value::Null)
    }

    /// Finds an element and sends it a command. The dashboard's pages redraw
    /// as the fleet changes, and an element found just before a redraw is
    /// gone ("stale") by the time the command reaches it: it is found again,
    /// as a person's eye finds the button again.
    fn on_element(
        &self,
        (using, value): (&str, &str),
        method: &str,
        what: &str,
        body: Value,
    ) -> Value {
        for _ in 0..5 {
            let found =
                self.session_command("POST", "element", json!({ "using": using, "value": value }));
            let element = found
                .as_object()
                .and_then(|o| o.values().next())
                .and_then(Value::as_str)
                .unwrap_or_else(|| panic!("nothing matches {using} {value:?}: {found}"))
                .to_string();
            let path = format!("/session/{}/element/{element}/{what}", self.session);
            let (status, answer) = self.answer(method, &path, body.clone());
            if status == 200 {
                return answer["value"].clone();
            }
            assert_eq!(
                answer["value"]["error"], "stale element reference",
                "{method} {path}: {answer}"
            );
        }
        panic!("{using} {value:?} was drawn anew five times in a row")
    }

    /// Presses a key on the keyboard, as a person would: a WebDriver key
    /// such as TAB or ENTER (below), on whatever has the focus.
    pub fn press(&self, key: char) {
        let keys = json!({"actions": [{"type": "key", "id": "keyboard", "actions": [
            {"type": "keyDown", "value": key.to_string()},
            {"type": "keyUp", "value": key.to_string()}
        ]}]});
        self.session_command("POST", "actions", keys);
    }

    /// The `name=value` of the page's cookie `name` (HttpOnly ones too:
    /// what the browser sends, for a request of the test's own).
    pub fn cookie(&self, name: &str) -> String {
        let cookie = self.session_command("GET", &format!("cookie/{name}"), Value::Null);
        format!("{name}={}", cookie["value"].as_str().unwrap())
    }

    /// The window's size in CSS pixels.
    pub fn resize(&self, width: u32, height: u32) {
        let size = json!({ "width": width, "height": height });
        self.session_command("POST", "window/rect", size);
    }

    /// A PNG of the window.
    pub fn screenshot(&self, path: &Path) {
        let encoded = self.session_command("GET", "screenshot", Value::Null);
        // Kubernetes' ByteString reads base64: no decoder of our own.
        let png: k8s_openapi::ByteString = serde_json::from_value(encoded).unwrap();
        std::fs::write(path, png.0).unwrap();
    }

    fn session_command(&self, method: &str, path: &str, body: Value) -> Value {
        let path = format!("/session/{}/{path}", self.session);
        self.command(method, &path, body)
    }

    /// A command's `value`; a WebDriver error fails the test with its words.
    fn command(&self, method: &str, path: &str, body: Value) -> Value {
        let (status, answer) = self.answer(method, path, body);
        assert_eq!(status, 200, "{method} {path}: {answer}");
        answer["value"].clone()
    }

    /// A command's status and answer, whatever they are.
    fn answer(&self, method: &str, path: &str, body: Value) -> (u16, Value) {
        let body = (!body.is_null()).then_some(body);
        let (status, answer) = self
            .call(method, path, body)
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let answer: Value = serde_json::from_str(&answer)
            .unwrap_or_else(|_| panic!("{method} {path}: {status} {answer}"));
        (status, answer)
    }

    fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> std::io::Result<(u16, String)> {
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let address = format!("127.0.0.1:{}", self.port);
        let json = [("Content-Type", "application/json")];
        let answer = super::http::exchange(&address, method, path, &json, &body)?;
        Ok((answer.status, answer.body))
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let path = format!("/session/{}", self.session);
            let _ = self.call("DELETE", &path, None);
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
