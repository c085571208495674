//! Shared by gold's integration tests: a private localcloud per test and the real `gold` binary
//! pointed at it (also inside a pseudo-terminal, rendered by a terminal emulator), plus SDK
//! clients acting in any account to check what gold did.
#![allow(dead_code)]

pub mod organization;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aws_config::{BehaviorVersion, Region};

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A copy of `examples/NAME` in a fresh temporary directory.
pub fn example(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    copy_dir(&repo().join("examples").join(name), dir.path());
    dir
}

/// A project directory with the origin scenario's component document and `manifest` as its
/// `gold.toml`.
pub fn project(manifest: &str) -> tempfile::TempDir {
    let dir = example("seed");
    std::fs::write(dir.path().join("gold.toml"), manifest).expect("gold.toml written");
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("directory created");
    for entry in std::fs::read_dir(from).expect("readable directory") {
        let entry = entry.expect("a directory entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("a file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("file copied");
        }
    }
}

/// The producer account of every scenario the tests build.
pub const PRODUCER: &str = "111122223333";
/// The organization the producer shares its AMIs with.
pub const ORG_ARN: &str = "arn:aws:organizations::000000000000:organization/o-xxxxxxxxxx";

/// A manifest named `sample` with the origin scenario's producer side in `region` (the seed's
/// component, recipe and infrastructure, AMIs shared with the organization): `distribution`
/// adds lines to `[distribution]`, and `rest` (consumers, `[pipeline]` …) follows it.
pub fn sample_manifest(region: &str, distribution: &str, rest: &str) -> String {
    format!(
        r#"name = "sample"

[producer]
account = "{PRODUCER}"
region = "{region}"

[components.build]
file = "files/build.yml"
platform = "Linux"
version = "1.0.0"

[recipe]
parent_image = "amazon-linux-2-x86/x.x.x"
version = "1.0.0"
components = ["build"]

[infrastructure]
instance_types = ["t3.small"]

[distribution]
ami_name = "sample_v{{{{imagebuilder:buildVersion}}}}_{{{{imagebuilder:buildDate}}}}"
{distribution}share_with_organizations = ["{ORG_ARN}"]
{rest}"#
    )
}

/// A multi-threaded runtime for SDK calls made by a test.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// Bytes a process wrote, as text.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// What a process wrote to stdout, as text.
pub fn stdout(output: &std::process::Output) -> String {
    text(&output.stdout)
}

/// What a process wrote to stderr, as text.
pub fn stderr(output: &std::process::Output) -> String {
    text(&output.stderr)
}

/// Polls `probe` until it says yes; the bound (three minutes) only turns a hang into a
/// failure. Each probe is expected to ask something (localcloud, a process), so this is no
/// timed test.
pub fn wait_for(what: &str, mut probe: impl FnMut() -> bool) {
    let give_up = Instant::now() + Duration::from_mins(3);
    while Instant::now() < give_up {
        if probe() {
            return;
        }
    }
    panic!("never saw: {what}");
}

/// Waits for `child` to exit, failing the test after `limit`.
pub fn exit_of(child: &mut Child, limit: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return status;
        }
        assert!(
            Instant::now() < deadline,
            "gold did not exit within {limit:?}"
        );
        std::thread::park_timeout(Duration::from_millis(50));
    }
}

/// The accounts that called `service`'s `action`, in the order of the request log `log`.
pub fn calls(log: &[serde_json::Value], service: &str, action: &str) -> Vec<String> {
    log.iter()
        .filter(|r| r["service"] == service && r["action"] == action)
        .filter_map(|r| r["account"].as_str().map(str::to_owned))
        .collect()
}

/// SSM parameter `name` as Parameter Store shows it to `config`'s account: (value, data type,
/// version), or `None` when it does not exist.
pub async fn parameter(
    config: &aws_config::SdkConfig,
    name: &str,
) -> Option<(String, String, i64)> {
    let found = aws_sdk_ssm::Client::new(config)
        .get_parameter()
        .name(name)
        .send()
        .await;
    let parameter = match found {
        Ok(output) => output.parameter.expect("a parameter"),
        Err(err)
            if err.as_service_error().is_some_and(
                aws_sdk_ssm::operation::get_parameter::GetParameterError::is_parameter_not_found,
            ) =>
        {
            return None;
        }
        Err(err) => panic!("GetParameter: {err:?}"),
    };
    Some((
        parameter.value.unwrap_or_default(),
        parameter.data_type.unwrap_or_default(),
        parameter.version,
    ))
}

/// The image id of launch template `name`'s `version` (`$Default`, `$Latest` or a number) as
/// `config`'s account sees it.
pub async fn template_image(config: &aws_config::SdkConfig, name: &str, version: &str) -> String {
    aws_sdk_ec2::Client::new(config)
        .describe_launch_template_versions()
        .launch_template_name(name)
        .versions(version)
        .send()
        .await
        .expect("DescribeLaunchTemplateVersions")
        .launch_template_versions()[0]
        .launch_template_data()
        .and_then(|data| data.image_id())
        .unwrap_or_default()
        .to_owned()
}

/// The id of launch template `name` as `config`'s account sees it.
pub async fn template_id(config: &aws_config::SdkConfig, name: &str) -> String {
    aws_sdk_ec2::Client::new(config)
        .describe_launch_templates()
        .launch_template_names(name)
        .send()
        .await
        .expect("DescribeLaunchTemplates")
        .launch_templates()[0]
        .launch_template_id()
        .expect("an id")
        .to_owned()
}

/// The producer's own view of `ami` in `region` (deprecated and disabled too), or `None` once
/// it is deregistered.
pub async fn producer_image(
    cloud: &Localcloud,
    region: &str,
    ami: &str,
) -> Option<aws_sdk_ec2::types::Image> {
    cloud
        .ec2(PRODUCER, region)
        .await
        .describe_images()
        .owners("self")
        .include_deprecated(true)
        .include_disabled(true)
        .send()
        .await
        .expect("DescribeImages")
        .images()
        .iter()
        .find(|image| image.image_id() == Some(ami))
        .cloned()
}

/// The producer's AMI of the `sample` pipeline's build `number` in `region` (deprecated and
/// disabled ones too): (id, snapshot ids).
pub async fn build_ami(cloud: &Localcloud, number: u32, region: &str) -> (String, Vec<String>) {
    let images = cloud
        .ec2(PRODUCER, region)
        .await
        .describe_images()
        .owners("self")
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("name")
                .values(format!("sample_v{number}_*"))
                .build(),
        )
        .include_deprecated(true)
        .include_disabled(true)
        .send()
        .await
        .expect("DescribeImages");
    let image = &images.images()[0];
    let snapshots = image
        .block_device_mappings()
        .iter()
        .filter_map(|m| m.ebs().and_then(|e| e.snapshot_id()).map(str::to_owned))
        .collect();
    (image.image_id().expect("an id").to_owned(), snapshots)
}

/// Replaces the first `from` in the file with `to`, failing when `from` is not there.
pub fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).expect("file read");
    assert!(text.contains(from), "`{from}` is not in {}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).expect("file written");
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
        // Port 0: localcloud binds and names its own port, so no other process can take it
        // between a probe and the bind.
        let mut command = Command::new(repo().join("tests/localcloud/serve"));
        command.arg("--port").arg("0");
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
        let url = line
            .trim()
            .strip_prefix("localcloud ready ")
            .filter(|url| url.starts_with("http://127.0.0.1:"))
            .unwrap_or_else(|| panic!("localcloud did not start: its first line was {line:?}"))
            .to_owned();
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

    /// Runs `gold ARGS…` in `dir` and fails the test, showing both streams, unless it exits 0.
    pub fn ok(&self, dir: &Path, args: &[&str]) -> std::process::Output {
        let output = self.gold(dir).args(args).output().expect("gold runs");
        assert!(
            output.status.success(),
            "gold {args:?} failed:\n{}\n{}",
            stdout(&output),
            stderr(&output)
        );
        output
    }

    /// Runs gold in `dir` (polling builds and refreshes quickly): (exit code, stdout, stderr).
    pub fn run(&self, dir: &Path, args: &[&str]) -> (i32, String, String) {
        let output = self
            .gold(dir)
            .env("GOLD_POLL_MIN", "100ms")
            .env("GOLD_POLL_MAX", "300ms")
            .args(args)
            .output()
            .expect("gold runs");
        (
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }

    /// An EC2 client acting in `account` and `region`.
    pub async fn ec2(&self, account: &str, region: &str) -> aws_sdk_ec2::Client {
        aws_sdk_ec2::Client::new(&self.sdk(account, region).await)
    }

    /// Creates the launch template `name` launching `image` in `account` and `region`.
    pub async fn create_template(&self, account: &str, region: &str, name: &str, image: &str) {
        self.ec2(account, region)
            .await
            .create_launch_template()
            .launch_template_name(name)
            .launch_template_data(
                aws_sdk_ec2::types::RequestLaunchTemplateData::builder()
                    .image_id(image)
                    .instance_type("t3.small".into())
                    .build(),
            )
            .send()
            .await
            .expect("CreateLaunchTemplate");
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
    #[expect(
        clippy::needless_pass_by_value,
        reason = "callers write `configure(json!({..}))`"
    )]
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

/// A minimal HTTP/1.1 client for localcloud's control endpoints (no extra dependency). It reads
/// exactly `Content-Length` bytes and gives up after a deadline, so a stuck server fails the
/// test instead of hanging it.
fn http(method: &str, url: &str, body: Option<&str>) -> String {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://").expect("an http URL");
    let (host, path) = rest.split_once('/').expect("a path");
    let mut stream = std::net::TcpStream::connect(host).expect("localcloud accepts connections");
    stream
        .set_read_timeout(Some(Duration::from_mins(1)))
        .expect("a read timeout");
    let body = body.unwrap_or("");
    let request = format!(
        "{method} /{path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream
        .write_all(request.as_bytes())
        .expect("request written");
    // Closing our side tells the server no more request bytes will come, whatever it expects.
    stream
        .shutdown(std::net::Shutdown::Write)
        .expect("write side closed");
    let mut received = Vec::new();
    let mut chunk = vec![0_u8; 64 * 1024];
    loop {
        if let Some(payload) = complete_payload(&received) {
            let (head, payload) = payload;
            assert!(
                head.starts_with("HTTP/1.1 200") || head.starts_with("HTTP/1.0 200"),
                "{method} {url} failed: {head}"
            );
            return payload;
        }
        let read = stream
            .read(&mut chunk)
            .unwrap_or_else(|err| panic!("{method} {url}: no complete response: {err}"));
        assert!(read > 0, "{method} {url}: connection closed mid-response");
        received.extend_from_slice(&chunk[..read]);
    }
}

/// The status line and body once the whole response has arrived.
fn complete_payload(received: &[u8]) -> Option<(String, String)> {
    let text = std::str::from_utf8(received).ok()?;
    let (head, payload) = text.split_once("\r\n\r\n")?;
    let length = head.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.eq_ignore_ascii_case("content-length")
            .then(|| value.trim().parse::<usize>().ok())?
    })?;
    (payload.len() >= length).then(|| (head.to_owned(), payload[..length].to_owned()))
}

/// The committed JSON Schema of `--output json` (`schemas/output.schema.json`).
pub fn output_schema() -> serde_json::Value {
    let text = std::fs::read_to_string(repo().join("schemas/output.schema.json"))
        .expect("schemas/output.schema.json exists");
    serde_json::from_str(&text).expect("the output schema is JSON")
}

/// Checks `value` against one document or event of the output schema (`document.plan`,
/// `event.wave`, …), failing the test with every violation.
pub fn assert_shape(value: &serde_json::Value, definition: &str) {
    let mut schema = output_schema();
    assert!(
        schema["$defs"].get(definition).is_some(),
        "the output schema defines no `{definition}`"
    );
    if let Some(object) = schema.as_object_mut() {
        object.remove("anyOf");
        object.insert(
            "$ref".to_owned(),
            serde_json::Value::String(format!("#/$defs/{definition}")),
        );
    }
    let validator = jsonschema::validator_for(&schema).expect("a valid JSON Schema");
    let errors: Vec<String> = validator
        .iter_errors(value)
        .map(|err| format!("{} at {}", err, err.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{definition} does not match the documented shape:\n{}\n{value:#}",
        errors.join("\n")
    );
}

/// The definition of the output schema a stream line belongs to, by its `event`.
pub fn event_definition(event: &str) -> &'static str {
    match event {
        "plan" => "event.plan",
        "applied" => "event.applied",
        "destroyed" => "event.destroyed",
        "summary" => "event.summary",
        "retire_plan" => "event.retire_plan",
        "retired" => "event.retired",
        "prune_plan" => "event.prune_plan",
        "pruned" => "event.pruned",
        "promotion_plan" => "event.promotion_plan",
        "promoted" => "event.promoted",
        "cancelled" => "event.cancelled",
        "error" => "event.error",
        "resource_started" | "resource_done" | "resource_failed" => "event.apply",
        "started" | "watching" | "phase" | "step" | "region" | "result" | "detached" => {
            "event.build"
        }
        _ => "event.wave",
    }
}

/// Checks every line of a JSON stream (`gold --output json up`, `rollout`, `build`) against the
/// output schema, and returns the lines.
pub fn assert_stream_shape(stdout: &[u8]) -> Vec<serde_json::Value> {
    let text = String::from_utf8_lossy(stdout);
    text.lines()
        .map(|line| {
            let value: serde_json::Value =
                serde_json::from_str(line).unwrap_or_else(|err| panic!("not JSON: {line}: {err}"));
            let event = value["event"]
                .as_str()
                .unwrap_or_else(|| panic!("a stream line without `event`: {line}"));
            assert_shape(&value, event_definition(event));
            value
        })
        .collect()
}

/// `gold` running in a pseudo-terminal: its stdin, stdout and stderr are the terminal, as when
/// a person runs it, and everything it writes is kept to be rendered by a terminal emulator.
pub struct Terminal {
    child: Child,
    keyboard: std::fs::File,
    written: std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
    reader: Option<std::thread::JoinHandle<()>>,
    rows: u16,
    cols: u16,
}

impl Localcloud {
    /// `gold ARGS…` in `dir` in a terminal of `rows` × `cols` (`TERM=xterm`, no colour).
    pub fn gold_in_terminal(&self, dir: &Path, args: &[&str], rows: u16, cols: u16) -> Terminal {
        use rustix::pty::{OpenptFlags, grantpt, openpt, ptsname, unlockpt};
        let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY).expect("a pseudo-terminal");
        grantpt(&master).expect("grantpt");
        unlockpt(&master).expect("unlockpt");
        rustix::termios::tcsetwinsize(
            &master,
            rustix::termios::Winsize {
                ws_row: rows,
                ws_col: cols,
                ws_xpixel: 0,
                ws_ypixel: 0,
            },
        )
        .expect("the terminal's size set");
        let name = ptsname(&master, Vec::new()).expect("the terminal's name");
        let far_end = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(name.to_string_lossy().as_ref())
            .expect("the terminal opened");
        let end = |file: &std::fs::File| Stdio::from(file.try_clone().expect("a terminal handle"));
        let child = Command::new(assert_cmd::cargo::cargo_bin("gold"))
            .current_dir(dir)
            .args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .envs(self.env())
            .env("TERM", "xterm")
            .stdin(end(&far_end))
            .stdout(end(&far_end))
            .stderr(end(&far_end))
            .spawn()
            .expect("gold starts");
        // Only the child holds the far end now: reading ends when it exits.
        drop(far_end);
        let written = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let into = std::sync::Arc::clone(&written);
        let mut master = std::fs::File::from(master);
        let keyboard = master.try_clone().expect("a second handle on the terminal");
        let reader = std::thread::spawn(move || {
            use std::io::Read;
            let mut chunk = [0_u8; 4096];
            // Linux answers EIO once the far end is closed: that is the end of the output.
            while let Ok(n @ 1..) = master.read(&mut chunk) {
                if let Ok(mut written) = into.lock() {
                    written.extend_from_slice(&chunk[..n]);
                }
            }
        });
        Terminal {
            child,
            keyboard,
            written,
            reader: Some(reader),
            rows,
            cols,
        }
    }
}

impl Terminal {
    /// The process id, to signal it.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Everything the terminal shows and has scrolled away, as text (see [`transcript`]).
    pub fn transcript(&self) -> String {
        let written = self.written.lock().map(|w| w.clone()).unwrap_or_default();
        transcript(&written, self.rows, self.cols)
    }

    /// Polls the rendered terminal until `what` appears on it; the bound only turns a hang
    /// into a failure.
    pub fn wait_for(&self, what: &str) {
        let give_up = Instant::now() + Duration::from_mins(3);
        while Instant::now() < give_up {
            if self.transcript().contains(what) {
                return;
            }
            std::thread::park_timeout(Duration::from_millis(20));
        }
        panic!("the terminal never showed {what:?}:\n{}", self.transcript());
    }

    /// Types `line` and Enter, as a person answering a prompt.
    pub fn type_line(&mut self, line: &str) {
        use std::io::Write;
        self.keyboard
            .write_all(format!("{line}\n").as_bytes())
            .expect("typed on the terminal");
    }

    /// Sends SIGINT, as Ctrl-C at the terminal does.
    pub fn interrupt(&self) {
        let sent = Command::new("kill")
            .args(["-INT", &self.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(sent.success(), "SIGINT sent");
    }

    /// Waits for gold to exit: its exit code and the terminal's final transcript. The bound
    /// only turns a hang into a failure.
    pub fn finish(mut self) -> (Option<i32>, String) {
        let give_up = Instant::now() + Duration::from_mins(5);
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("gold's status") {
                break status;
            }
            if Instant::now() > give_up {
                let _ = self.child.kill();
                panic!("gold never ended:\n{}", self.transcript());
            }
            std::thread::park_timeout(Duration::from_millis(20));
        };
        if let Some(reader) = self.reader.take() {
            reader.join().expect("the terminal read to its end");
        }
        (status.code(), self.transcript())
    }
}

/// What a terminal of `rows` × `cols` shows after receiving `bytes`: the lines scrolled off the
/// top, then the screen, each without trailing blanks, without trailing empty lines.
pub fn transcript(bytes: &[u8], rows: u16, cols: u16) -> String {
    let (Some(rows), Some(columns)) = (
        std::num::NonZeroU16::new(rows),
        std::num::NonZeroU16::new(cols),
    ) else {
        panic!("a terminal has rows and columns");
    };
    let mut parser = vt100::Parser::new(rows, columns, 100_000);
    parser.process(bytes);
    parser.screen_mut().set_scrollback(usize::MAX);
    let scrolled = parser.screen().scrollback();
    let mut lines = Vec::new();
    for offset in (1..=scrolled).rev() {
        parser.screen_mut().set_scrollback(offset);
        lines.extend(parser.screen().rows(0, cols).next());
    }
    parser.screen_mut().set_scrollback(0);
    lines.extend(parser.screen().rows(0, cols));
    let mut text: Vec<String> = lines
        .iter()
        .map(|line| line.trim_end().to_owned())
        .collect();
    while text.last().is_some_and(String::is_empty) {
        text.pop();
    }
    text.join("\n")
}
