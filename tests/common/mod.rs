//! Shared by gold's integration tests: a private localcloud per test and the real `gold` binary
//! pointed at it, plus SDK clients acting in any account to check what gold did.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aws_config::{BehaviorVersion, Region};

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// One running localcloud, stopped with SIGTERM when dropped.
pub struct Localcloud {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
}

impl Localcloud {
    /// Starts localcloud with the origin scenario's topology.
    pub fn start() -> Self {
        Self::start_with(None)
    }

    /// Starts localcloud with a topology seed file.
    pub fn start_with(seed: Option<&Path>) -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mut command = Command::new(repo().join("tests/localcloud/serve"));
        command.arg("--port").arg(port.to_string());
        if let Some(seed) = seed {
            command.arg("--seed").arg(seed);
        }
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("tests/localcloud/serve starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("localcloud prints its ready line");
        let url = format!("http://127.0.0.1:{port}");
        assert_eq!(
            line.trim(),
            format!("localcloud ready {url}"),
            "localcloud did not start"
        );
        Self { child, url }
    }

    /// The environment that points an AWS SDK (or gold) at this localcloud with dummy credentials.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL", self.url.clone()),
            ("AWS_ACCESS_KEY_ID", "test".to_owned()),
            ("AWS_SECRET_ACCESS_KEY", "test".to_owned()),
            ("AWS_REGION", "ap-northeast-1".to_owned()),
            ("AWS_EC2_METADATA_DISABLED", "true".to_owned()),
            ("AWS_CONFIG_FILE", "/dev/null".to_owned()),
            ("AWS_SHARED_CREDENTIALS_FILE", "/dev/null".to_owned()),
            ("NO_COLOR", "1".to_owned()),
        ]
    }

    /// The real `gold` binary with this localcloud's environment, in directory `dir`.
    pub fn gold(&self, dir: &Path) -> assert_cmd::Command {
        let mut command = assert_cmd::Command::cargo_bin("gold").expect("the gold binary");
        command.current_dir(dir).env_clear();
        command.env("PATH", std::env::var("PATH").unwrap_or_default());
        for (key, value) in self.env() {
            command.env(key, value);
        }
        command
    }

    /// The request log: every AWS call localcloud answered.
    pub fn requests(&self) -> Vec<serde_json::Value> {
        let body = http("GET", &format!("{}/_localcloud/requests", self.url), None);
        serde_json::from_str(&body).expect("the request log is JSON")
    }

    /// Clears the request log.
    pub fn reset_requests(&self) {
        http(
            "POST",
            &format!("{}/_localcloud/reset", self.url),
            Some("{}"),
        );
    }

    /// Sets fault and clock knobs (`latency_ms`, `throttle_rate`, `build_seconds`, …).
    pub fn configure(&self, knobs: serde_json::Value) {
        http(
            "POST",
            &format!("{}/_localcloud/config", self.url),
            Some(&knobs.to_string()),
        );
    }

    /// An SDK configuration acting in `account` (through `OrganizationAccountAccessRole`) in `region`.
    pub async fn sdk(&self, account: &str, region: &str) -> aws_config::SdkConfig {
        let base = aws_config::defaults(BehaviorVersion::latest())
            .endpoint_url(&self.url)
            .region(Region::new(region.to_owned()))
            .credentials_provider(aws_credential_types::Credentials::new(
                "test",
                "test",
                None,
                None,
                "localcloud",
            ))
            .load()
            .await;
        let provider = aws_config::sts::AssumeRoleProvider::builder(format!(
            "arn:aws:iam::{account}:role/OrganizationAccountAccessRole"
        ))
        .session_name("gold-test")
        .configure(&base)
        .build()
        .await;
        base.to_builder()
            .credentials_provider(
                aws_credential_types::provider::SharedCredentialsProvider::new(provider),
            )
            .build()
    }
}

impl Drop for Localcloud {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::park_timeout(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A minimal HTTP/1.1 client for localcloud's control endpoints (no extra dependency).
fn http(method: &str, url: &str, body: Option<&str>) -> String {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://").expect("an http URL");
    let (host, path) = rest.split_once('/').expect("a path");
    let mut stream = std::net::TcpStream::connect(host).expect("localcloud accepts connections");
    let body = body.unwrap_or("");
    write!(
        stream,
        "{method} /{path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("request written");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("response read");
    let (head, payload) = response.split_once("\r\n\r\n").expect("an HTTP response");
    assert!(
        head.starts_with("HTTP/1.1 200") || head.starts_with("HTTP/1.0 200"),
        "{method} {url} failed: {head}"
    );
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(payload)
    } else {
        payload.to_owned()
    }
}

fn dechunk(mut payload: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = payload.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out.push_str(&rest[..size]);
        payload = &rest[size + 2..];
    }
    out
}
