//! `make bench`: prints, without asserting any timing, (a) the AWS calls and sequential
//! waves of every workflow step, (b) each function's release init time (median of
//! `--runs`, 21 by default) and size beside the bare `lambda_http` and SDK-floor binaries
//! built in the same run, (c) the time of that one release build, and (d) the cost of 1,000
//! onboarding flows. `--no-build` reuses the release binaries in `target/release`
//! (`--binaries DIR` measures those of another directory, without building);
//! `--steps-only` and `--init-only` print one half; `--functions a,b` builds and measures
//! only those functions (beside the baselines); `--profile NAME` builds with another cargo
//! profile (binaries in `target/NAME`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use portal::http::routes::FUNCTIONS;
use portal_bench::cost::{self, Counted, Invocation};
use portal_bench::init::{Runtime, median};
use portal_bench::steps::{self, Walk};
use serde_yaml_ng::Value;

const BASELINES: [&str; 2] = ["bare", "sdk-floor"];

struct Options {
    build: bool,
    profile: String,
    binaries: PathBuf,
    steps: bool,
    init: bool,
    runs: usize,
    functions: Option<Vec<String>>,
}

fn options() -> anyhow::Result<Options> {
    let mut options = Options {
        build: true,
        profile: "release".to_owned(),
        binaries: repo_root().join("target/release"),
        steps: true,
        init: true,
        runs: 21,
        functions: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--no-build" => options.build = false,
            "--binaries" => {
                options.binaries = args.next().context("--binaries needs a directory")?.into();
                options.build = false;
            }
            "--steps-only" => options.init = false,
            "--init-only" => options.steps = false,
            "--profile" => {
                options.profile = args.next().context("--profile needs a cargo profile")?;
                options.binaries = repo_root().join("target").join(&options.profile);
            }
            "--functions" => {
                let list = args.next().context("--functions needs a comma-separated list")?;
                options.functions = Some(list.split(',').map(str::to_owned).collect());
            }
            "--runs" => options.runs = args.next().context("--runs needs a number")?.parse()?,
            other => bail!(
                "unknown argument {other} (--no-build, --binaries DIR, --profile NAME, --functions a,b, --steps-only, --init-only, --runs N)"
            ),
        }
    }
    Ok(options)
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every function's binary and the baselines, in one release build; returns its duration.
fn build_release(profile: &str, binaries: &[&str]) -> anyhow::Result<Duration> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut command = std::process::Command::new(cargo);
    command.current_dir(repo_root()).args(["build", "--locked", "--profile", profile]);
    for binary in binaries {
        command.args(["-p", binary]);
    }
    println!("Building {} binaries in one build (cargo build --profile {profile} -p ...)", binaries.len());
    let started = Instant::now();
    let status = command.status().context("Failed to run cargo")?;
    if !status.success() {
        bail!("the release build failed ({status})");
    }
    Ok(started.elapsed())
}

/// Memory sizes from `template.yaml`: each function's own, else the global one.
fn memory_sizes() -> anyhow::Result<BTreeMap<String, u32>> {
    let template: Value = serde_yaml_ng::from_str(&std::fs::read_to_string(repo_root().join("template.yaml"))?)?;
    let size = |v: Option<&Value>| v.and_then(Value::as_u64).and_then(|n| u32::try_from(n).ok());
    let default = size(template.get("Globals").and_then(|g| g.get("Function")).and_then(|f| f.get("MemorySize")))
        .context("no Globals.Function.MemorySize")?;
    let mut sizes = BTreeMap::new();
    for resource in template.get("Resources").and_then(Value::as_mapping).context("no Resources")?.values() {
        let binary = resource.get("Metadata").and_then(|m| m.get("BuildProperties")).and_then(|b| b.get("Binary"));
        if let Some(binary) = binary.and_then(Value::as_str) {
            let own = size(resource.get("Properties").and_then(|p| p.get("MemorySize")));
            sizes.insert(binary.to_owned(), own.unwrap_or(default));
        }
    }
    Ok(sizes)
}

fn counted(waves: &[Vec<portal::local::aws_calls::Call>]) -> Vec<Vec<Counted>> {
    waves
        .iter()
        .map(|wave| {
            wave.iter()
                .map(|c| Counted { service: c.service.to_owned(), operation: c.operation.clone(), items: c.items })
                .collect()
        })
        .collect()
}

fn print_steps(walk: &Walk) {
    println!("\n### AWS calls per step (counted by the local stack's recorder)\n");
    println!("| step | function | calls | waves | calls, wave by wave |");
    println!("|---|---|---|---|---|");
    for step in &walk.steps {
        let waves: Vec<String> = step
            .waves
            .iter()
            .map(|wave| wave.iter().map(|c| c.operation.clone()).collect::<Vec<_>>().join(" + "))
            .collect();
        println!(
            "| {} | {} | {} | {} | {} |",
            step.name,
            step.function,
            step.calls(),
            step.waves.len(),
            waves.join(" → ")
        );
    }
    let relay: Vec<String> =
        walk.relay.iter().map(|w| w.iter().map(|c| c.operation.clone()).collect::<Vec<_>>().join(" + ")).collect();
    println!(
        "| one email, sent by the relay | outbox-relay | {} | {} | {} |",
        walk.relay.iter().map(Vec::len).sum::<usize>(),
        walk.relay.len(),
        relay.join(" → ")
    );
}

fn print_cost(walk: &Walk, memory: &BTreeMap<String, u32>) {
    let mut invocations: Vec<Invocation> = walk
        .steps
        .iter()
        .filter(|s| s.in_flow)
        .map(|s| Invocation {
            function: s.function.to_owned(),
            memory_mb: memory.get(s.function).copied().unwrap_or(256),
            waves: counted(&s.waves),
            through_api: true,
        })
        .collect();
    for _ in 0..walk.flow_emails {
        invocations.push(Invocation {
            function: "outbox-relay".to_owned(),
            memory_mb: memory.get("outbox-relay").copied().unwrap_or(256),
            waves: counted(&walk.relay),
            through_api: false,
        });
    }
    let bill = cost::bill(1000, &invocations, walk.flow_emails);
    let requests = invocations.iter().filter(|i| i.through_api).count();
    println!("\n### Cost of 1,000 onboarding flows (US$, us-east-1 on-demand prices read {})\n", cost::PRICES_READ_ON);
    println!(
        "One flow: {requests} requests (customer and partner: sign-up, approval, set password, first login; the \
         invitation), {} emails, each sent by one relay run. Assumptions in tests/bench/src/cost.rs.\n",
        walk.flow_emails
    );
    println!("| service | cost |");
    println!("|---|---|");
    println!("| Lambda (GB-s and requests, arm64) | {:.4} |", bill.lambda);
    println!("| API Gateway HTTP API requests | {:.4} |", bill.http_api);
    println!("| DynamoDB request units | {:.4} |", bill.dynamodb);
    println!("| SES | {:.4} |", bill.ses);
    println!("| Cognito (2,000 MAUs past the free tier) | {:.4} |", bill.cognito);
    println!("| **total** | **{:.4}** |", bill.total());
}

struct Binary {
    name: String,
    size: u64,
    /// Deflated, as in the zip Lambda downloads before a cold start.
    zipped: u64,
    init: Vec<Duration>,
}

/// The size of `bytes` deflated at zip's default level: what the binary adds to a deployment
/// package.
fn deflated_size(bytes: &[u8]) -> anyhow::Result<u64> {
    use std::io::Write as _;
    let mut encoder = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes)?;
    Ok(u64::try_from(encoder.finish()?.len())?)
}

async fn measure_init(release: &Path, names: &[&str], runs: usize) -> anyhow::Result<Vec<Binary>> {
    let mut binaries: Vec<Binary> = Vec::new();
    for name in names {
        let path = release.join(name);
        let bytes = std::fs::read(&path).with_context(|| format!("no release binary {}", path.display()))?;
        let (size, zipped) = (u64::try_from(bytes.len())?, deflated_size(&bytes)?);
        binaries.push(Binary { name: (*name).to_owned(), size, zipped, init: Vec::new() });
    }
    let mut runtime = Runtime::start().await?;
    // Round robin: a burst of load on this shared machine then slows every binary alike.
    for _ in 0..runs {
        for binary in &mut binaries {
            binary.init.push(runtime.measure(&release.join(&binary.name), &binary.name).await?);
        }
    }
    Ok(binaries)
}

fn print_init(binaries: &[Binary], runs: usize) {
    let floor = binaries.iter().find(|b| b.name == "sdk-floor").expect("the floor is measured");
    let floor_init = median(&floor.init).unwrap_or_default().as_secs_f64();
    let mb = |bytes: u64| bytes as f64 / 1_000_000.0;
    println!("\n### Cold start (init: process start to the first poll for an event; median of {runs}) and size\n");
    println!("| binary | init | × floor | fastest–slowest | size | × floor | zipped | × floor |");
    println!("|---|---|---|---|---|---|---|---|");
    for binary in binaries {
        let init = median(&binary.init).unwrap_or_default();
        let fastest = binary.init.iter().min().copied().unwrap_or_default();
        let slowest = binary.init.iter().max().copied().unwrap_or_default();
        println!(
            "| {} | {:.1} ms | {:.2}× | {:.1}–{:.1} ms | {:.1} MB | {:.2}× | {:.1} MB | {:.2}× |",
            binary.name,
            init.as_secs_f64() * 1000.0,
            init.as_secs_f64() / floor_init,
            fastest.as_secs_f64() * 1000.0,
            slowest.as_secs_f64() * 1000.0,
            mb(binary.size),
            binary.size as f64 / floor.size as f64,
            mb(binary.zipped),
            binary.zipped as f64 / floor.zipped as f64,
        );
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let options = options()?;
    let functions: Vec<&str> = FUNCTIONS
        .iter()
        .map(|(name, _)| *name)
        .filter(|name| options.functions.as_ref().is_none_or(|only| only.iter().any(|o| o == name)))
        .collect();
    let mut binaries: Vec<&str> = BASELINES.to_vec();
    binaries.extend(&functions);
    if options.init {
        if options.build {
            let took = build_release(&options.profile, &binaries)?;
            println!(
                "\nBuild of {} binaries, profile {} (one cargo invocation): {:.0} s",
                binaries.len(),
                options.profile,
                took.as_secs_f64()
            );
        }
        let measured = measure_init(&options.binaries, &binaries, options.runs).await?;
        print_init(&measured, options.runs);
    }
    if options.steps {
        let app = portal_tests::spawn_app_relaying_every(Duration::from_secs(3600)).await;
        let walk = steps::walk(&app).await?;
        print_steps(&walk);
        print_cost(&walk, &memory_sizes()?);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::deflated_size;

    #[test]
    fn the_zipped_size_is_what_deflate_leaves_of_the_bytes() {
        let repetitive = b"free-mail.example\n".repeat(1000);
        let zipped = deflated_size(&repetitive).unwrap();
        assert!(zipped > 0 && zipped < 200, "{zipped} bytes");
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let noise: Vec<u8> = (0..4096)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state.to_le_bytes()[0]
            })
            .collect();
        assert!(deflated_size(&noise).unwrap() > 3000, "noise barely compresses");
    }
}
