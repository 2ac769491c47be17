//! Cold starts, as Lambda defines the init phase: from the start of the process until the
//! runtime asks for its first event (`GET /2018-06-01/runtime/invocation/next`). Each binary
//! runs with the environment Lambda gives a function (its `AWS_LAMBDA_*` variables, static
//! credentials, the stack's names) against a stand-in runtime API on loopback, which also
//! serves the user pool's key set (the functions that verify tokens fetch it during init).
//! The stand-in never answers the runtime's request: the process is stopped once it asked.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

/// The user pool the binaries are configured with (its key set is served by the stand-in).
const USER_POOL_ID: &str = "us-east-1_bench";

/// The method and path of an HTTP request head, once the head is complete.
pub fn request_line(head: &[u8]) -> Option<(&str, &str)> {
    let end = head.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&head[..end]).ok()?;
    let mut parts = head.lines().next()?.split(' ');
    let (method, path) = (parts.next()?, parts.next()?);
    Some((method, path))
}

/// Whether a request is the runtime's poll for its next event: the end of init.
pub fn is_next_invocation(method: &str, path: &str) -> bool {
    method == "GET" && path.split('?').next().is_some_and(|p| p.ends_with("/runtime/invocation/next"))
}

/// The median of a set of durations (the upper middle one of an even count).
pub fn median(durations: &[Duration]) -> Option<Duration> {
    let mut sorted = durations.to_vec();
    sorted.sort_unstable();
    sorted.get(sorted.len() / 2).copied()
}

/// A stand-in for Lambda's runtime API: reports when a process asks for its first event.
pub struct Runtime {
    pub address: String,
    polled: mpsc::UnboundedReceiver<Instant>,
}

impl Runtime {
    pub async fn start() -> anyhow::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await.context("Failed to listen on loopback")?;
        let address = listener.local_addr()?.to_string();
        let (tx, polled) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let tx = tx.clone();
                tokio::spawn(async move {
                    let mut head = Vec::new();
                    let mut buffer = [0_u8; 4096];
                    loop {
                        match socket.read(&mut buffer).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => head.extend_from_slice(&buffer[..n]),
                        }
                        let Some((method, path)) = request_line(&head) else {
                            if head.len() > 64 * 1024 {
                                return;
                            }
                            continue;
                        };
                        if is_next_invocation(method, path) {
                            let _ = tx.send(Instant::now());
                            // Hold the connection: the process waits for an event that never comes.
                            let _ = socket.read(&mut buffer).await;
                            return;
                        }
                        let (status, body) = if path.ends_with("/.well-known/jwks.json") {
                            ("200 OK", r#"{"keys":[]}"#)
                        } else {
                            ("404 Not Found", "{}")
                        };
                        let answer = format!(
                            "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                            body.len()
                        );
                        let _ = socket.write_all(answer.as_bytes()).await;
                        return;
                    }
                });
            }
        });
        Ok(Self { address, polled })
    }

    /// The environment Lambda gives a function, pointed at this stand-in.
    pub fn environment(&self, function: &str) -> Vec<(String, String)> {
        let endpoint = format!("http://{}", self.address);
        [
            ("AWS_LAMBDA_RUNTIME_API", self.address.as_str()),
            ("AWS_LAMBDA_FUNCTION_NAME", function),
            ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256"),
            ("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/bench"),
            ("AWS_LAMBDA_LOG_STREAM_NAME", "bench"),
            ("AWS_REGION", "us-east-1"),
            ("AWS_DEFAULT_REGION", "us-east-1"),
            ("AWS_ACCESS_KEY_ID", "AKIDBENCH"),
            ("AWS_SECRET_ACCESS_KEY", "bench-secret"),
            ("AWS_SESSION_TOKEN", "bench-session"),
            ("AWS_ENDPOINT_URL", endpoint.as_str()),
            ("TABLE_NAME", "bench"),
            ("USER_POOL_ID", USER_POOL_ID),
            ("USER_POOL_CLIENT_ID", "bench-client"),
            ("EMAIL_FROM", "no-reply@bench.test"),
            ("PORTAL_URL", "https://portal.bench.test"),
            ("SIGNUP_URL", "https://portal.bench.test/signup"),
            ("SET_PASSWORD_URL", "https://portal.bench.test/auth/set-password"),
            ("RESET_PASSWORD_URL", "https://portal.bench.test/auth/reset-password"),
            ("ACTIVATE_URL", "https://portal.bench.test/auth/activate"),
            ("LINK_KEY", "bench link key of at least thirty-two characters"),
            ("RUST_LOG", "info"),
            ("RUST_MIN_STACK", "16777216"),
            ("PATH", "/usr/bin:/bin"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
    }

    /// Starts `binary` once and returns its init time.
    pub async fn measure(&mut self, binary: &Path, function: &str) -> anyhow::Result<Duration> {
        while self.polled.try_recv().is_ok() {}
        let started = Instant::now();
        let mut child = tokio::process::Command::new(binary)
            .env_clear()
            .envs(self.environment(function))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("Failed to start {}", binary.display()))?;
        let outcome = tokio::select! {
            polled = self.polled.recv() => polled.context("the stand-in runtime stopped"),
            status = child.wait() => Err(anyhow::anyhow!("{function} exited ({status:?}) before asking for an event")),
            () = tokio::time::sleep(Duration::from_secs(10)) => Err(anyhow::anyhow!("{function} did not ask for an event within 10 s")),
        };
        let _ = child.kill().await;
        let polled = outcome?;
        if polled < started {
            bail!("a poll from an earlier run arrived late");
        }
        Ok(polled - started)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_request_line_is_read_once_the_head_is_complete() {
        let head = b"GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nhost: x\r\n\r\n";
        assert_eq!(request_line(head), Some(("GET", "/2018-06-01/runtime/invocation/next")));
        assert_eq!(request_line(b"GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nhost: x\r\n"), None);
        assert_eq!(request_line(b"\r\n\r\n"), None);
    }

    #[test]
    fn only_the_poll_for_the_next_event_ends_init() {
        assert!(is_next_invocation("GET", "/2018-06-01/runtime/invocation/next"));
        assert!(!is_next_invocation("POST", "/2018-06-01/runtime/invocation/abc/response"));
        assert!(!is_next_invocation("POST", "/2018-06-01/runtime/init/error"));
        assert!(!is_next_invocation("GET", "/us-east-1_bench/.well-known/jwks.json"));
    }

    #[test]
    fn the_median_of_an_odd_count_is_the_middle_one() {
        let ms = |v: &[u64]| v.iter().map(|&m| Duration::from_millis(m)).collect::<Vec<_>>();
        assert_eq!(median(&ms(&[9, 1, 5])), Some(Duration::from_millis(5)));
        assert_eq!(median(&ms(&[4, 1, 3, 2])), Some(Duration::from_millis(3)));
        assert_eq!(median(&[]), None);
    }
}
