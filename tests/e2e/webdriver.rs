//! A small W3C WebDriver client over plain HTTP, enough to drive the real
//! desktop app through `tauri-driver`: sessions, finding elements, clicks,
//! typing, key presses, reading text and attributes, and running a script.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// The W3C key for an element reference in JSON.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

pub struct Session {
    base: String,
    id: String,
}

fn call(method: &str, url: &str, body: Option<Value>) -> Result<Value, String> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(120)))
        .http_status_as_error(false)
        .build()
        .into();
    let response = match (method, body) {
        ("GET", _) => agent.get(url).call(),
        ("DELETE", _) => agent.delete(url).call(),
        (_, body) => agent.post(url).send_json(body.unwrap_or_else(|| json!({}))),
    };
    let mut response = response.map_err(|e| format!("{method} {url}: {e}"))?;
    let status = response.status();
    let value: Value = response
        .body_mut()
        .read_json()
        .map_err(|e| format!("{method} {url}: reading the reply: {e}"))?;
    if status.is_success() {
        Ok(value["value"].clone())
    } else {
        Err(format!("{method} {url}: {status}: {}", value["value"]))
    }
}

/// Waits for a WebDriver server to answer `/status` as ready.
pub fn wait_ready(base: &str, timeout: Duration) -> Result<(), String> {
    let start = Instant::now();
    loop {
        if let Ok(v) = call("GET", &format!("{base}/status"), None)
            && v["ready"].as_bool() != Some(false)
        {
            return Ok(());
        }
        if start.elapsed() > timeout {
            return Err(format!("{base} did not become ready in {timeout:?}"));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

impl Session {
    /// Starts the application under test with `args`.
    pub fn start(base: &str, application: &str, args: &[String]) -> Result<Self, String> {
        let caps = json!({
            "capabilities": { "alwaysMatch": {
                "tauri:options": { "application": application, "args": args }
            }}
        });
        let v = call("POST", &format!("{base}/session"), Some(caps))?;
        let id = v["sessionId"]
            .as_str()
            .ok_or_else(|| format!("no session id in {v}"))?
            .to_owned();
        Ok(Self {
            base: base.to_owned(),
            id,
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}/session/{}{path}", self.base, self.id)
    }

    pub fn find(&self, css: &str) -> Result<String, String> {
        let v = call(
            "POST",
            &self.url("/element"),
            Some(json!({"using": "css selector", "value": css})),
        )?;
        v[ELEMENT]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| format!("no element for {css}: {v}"))
    }

    pub fn find_all(&self, css: &str) -> Result<Vec<String>, String> {
        let v = call(
            "POST",
            &self.url("/elements"),
            Some(json!({"using": "css selector", "value": css})),
        )?;
        Ok(v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|e| e[ELEMENT].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default())
    }

    /// Waits until `css` matches an element, and returns it.
    pub fn wait_for(&self, css: &str, timeout: Duration) -> Result<String, String> {
        let start = Instant::now();
        loop {
            match self.find(css) {
                Ok(e) => return Ok(e),
                Err(e) if start.elapsed() > timeout => {
                    return Err(format!("waited {timeout:?} for {css}: {e}"));
                }
                Err(_) => std::thread::sleep(Duration::from_millis(25)),
            }
        }
    }

    pub fn click(&self, element: &str) -> Result<(), String> {
        call(
            "POST",
            &self.url(&format!("/element/{element}/click")),
            None,
        )
        .map(drop)
    }

    pub fn clear_and_type(&self, element: &str, text: &str) -> Result<(), String> {
        call(
            "POST",
            &self.url(&format!("/element/{element}/clear")),
            None,
        )?;
        call(
            "POST",
            &self.url(&format!("/element/{element}/value")),
            Some(json!({ "text": text })),
        )
        .map(drop)
    }

    pub fn text(&self, element: &str) -> Result<String, String> {
        let v = call("GET", &self.url(&format!("/element/{element}/text")), None)?;
        Ok(v.as_str().unwrap_or_default().to_owned())
    }

    pub fn attribute(&self, element: &str, name: &str) -> Result<Option<String>, String> {
        let v = call(
            "GET",
            &self.url(&format!("/element/{element}/attribute/{name}")),
            None,
        )?;
        Ok(v.as_str().map(str::to_owned))
    }

    /// Presses and releases one key (a character, or a WebDriver key code
    /// such as `\u{E003}` for Backspace), with modifiers held.
    pub fn press(&self, key: &str, modifiers: &[&str]) -> Result<(), String> {
        let mut actions = Vec::new();
        for m in modifiers {
            actions.push(json!({"type": "keyDown", "value": m}));
        }
        actions.push(json!({"type": "keyDown", "value": key}));
        actions.push(json!({"type": "keyUp", "value": key}));
        for m in modifiers.iter().rev() {
            actions.push(json!({"type": "keyUp", "value": m}));
        }
        call(
            "POST",
            &self.url("/actions"),
            Some(json!({"actions": [{"type": "key", "id": "keyboard", "actions": actions}]})),
        )?;
        call("DELETE", &self.url("/actions"), None).map(drop)
    }

    /// Drags the mouse from one viewport point to another, button held.
    pub fn drag(&self, from: (i64, i64), to: (i64, i64)) -> Result<(), String> {
        let actions = json!([
            {"type": "pointerMove", "duration": 0, "x": from.0, "y": from.1, "origin": "viewport"},
            {"type": "pointerDown", "button": 0},
            {"type": "pointerMove", "duration": 150, "x": to.0, "y": to.1, "origin": "viewport"},
            {"type": "pointerUp", "button": 0}
        ]);
        call(
            "POST",
            &self.url("/actions"),
            Some(json!({"actions": [{
                "type": "pointer", "id": "mouse",
                "parameters": {"pointerType": "mouse"}, "actions": actions
            }]})),
        )?;
        call("DELETE", &self.url("/actions"), None).map(drop)
    }

    /// Runs a script in the page and returns its result.
    pub fn script(&self, body: &str) -> Result<Value, String> {
        call(
            "POST",
            &self.url("/execute/sync"),
            Some(json!({"script": body, "args": []})),
        )
    }

    pub fn close(self) -> Result<(), String> {
        call("DELETE", &self.url(""), None).map(drop)
    }
}

pub const BACKSPACE: &str = "\u{E003}";
