//! The AWS emulator: moto's server from the project's virtualenv (`make venv` installs the
//! pinned version). It speaks the real DynamoDB, SESv2 and Cognito wire protocols, so the
//! SDK code that runs deployed is the code that runs here. It is started through
//! `moto_serial.py`, which handles one request at a time: moto's backends are not
//! thread-safe, and concurrent transactions would otherwise fail inside the emulator in ways
//! DynamoDB never does.

use std::os::unix::process::CommandExt as _;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};

/// A running emulator; killed when dropped, and by the kernel if this process dies.
pub struct Moto {
    child: Child,
    pub url: String,
}

/// The Python that has moto: `$MOTO_PYTHON`, or the project's `.venv`.
pub fn moto_python() -> PathBuf {
    std::env::var_os("MOTO_PYTHON").map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join(".venv").join("bin").join("python")
    })
}

/// The launcher that serves moto one request at a time.
fn launcher() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src").join("local").join("moto_serial.py")
}

fn free_port() -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").context("Failed to find a free port")?;
    Ok(listener.local_addr()?.port())
}

impl Moto {
    /// Starts the emulator on a free port and waits until it answers.
    ///
    /// # Errors
    /// When moto is not installed (run `make venv`) or does not come up in 60 s.
    pub async fn start() -> anyhow::Result<Self> {
        let path = moto_python();
        if !path.exists() {
            bail!("{} is missing: run `make venv` (or `make dev` / `make test`, which run it)", path.display());
        }
        let port = free_port()?;
        let mut command = Command::new(&path);
        command
            .arg(launcher())
            .args(["127.0.0.1", &port.to_string()])
            // Without it the emulator accepts any TOTP code; with it, it checks codes
            // (RFC 6238) against the one secret it gives every user.
            .env("MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP", "true")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        // SAFETY: prctl is async-signal-safe; it asks the kernel to end the emulator when
        // this process ends, however it ends (a test binary never runs destructors of
        // statics).
        unsafe {
            command.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
                Ok(())
            });
        }
        let child = command.spawn().with_context(|| format!("Failed to start {}", path.display()))?;
        let moto = Self { child, url: format!("http://127.0.0.1:{port}") };
        let started = Instant::now();
        let http = reqwest::Client::new();
        loop {
            if http.get(format!("{}/moto-api/", moto.url)).send().await.is_ok_and(|r| r.status().is_success()) {
                return Ok(moto);
            }
            if started.elapsed() > Duration::from_secs(60) {
                bail!("the AWS emulator (moto) did not answer within 60 s");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
