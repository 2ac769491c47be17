//! The contract between the route table (`portal::http::routes`) and everything that repeats
//! it outside Rust: `template.yaml` (HTTP API events, authorizers, function URLs),
//! `infra/openapi.yaml`, the `functions/<name>` packages and the sample events in `events/`.
//! Each test collects every discrepancy and names it, so one run shows all the drift.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail, ensure};
use portal::http::routes::{
    Access, BACKGROUND_FUNCTIONS, FUNCTION_URL_FUNCTIONS, FUNCTIONS, ROUTES, Route, Service, match_route,
};
use serde::Deserialize;
use serde_yaml_ng::{Mapping, Value};

const OPENAPI_METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch", "trace"];

#[test]
fn every_route_is_in_the_template_and_the_openapi_document() -> Result<()> {
    // Arrange
    let template = Template::load()?;
    let openapi = OpenApi::load()?;
    let mut problems = Vec::new();

    // Act
    for route in ROUTES {
        let wanted_auth = match route.access {
            Access::SignedIn => template.jwt_authorizer.as_str(),
            Access::Public => "NONE",
        };
        let events: Vec<_> = template.http_events().filter(|(_, e)| e.serves(route)).collect();
        match events.as_slice() {
            [] => problems.push(format!(
                "template.yaml: no HttpApi event {} {} (for function {})",
                route.method, route.path, route.function
            )),
            [(function, event)] => {
                if function.binary != route.function {
                    problems.push(format!(
                        "template.yaml: {} {} is served by {} (binary {}), routes.rs says {}",
                        route.method, route.path, function.logical_id, function.binary, route.function
                    ));
                }
                if event.authorizer.as_deref() != Some(wanted_auth) {
                    problems.push(format!(
                        "template.yaml: {}.{} ({} {}) has Auth.Authorizer {:?}, want {wanted_auth:?} for {:?}",
                        function.logical_id, event.name, route.method, route.path, event.authorizer, route.access
                    ));
                }
                if event.api_id.as_deref() != Some(template.http_api.as_str()) {
                    problems.push(format!(
                        "template.yaml: {}.{} has ApiId {:?}, want !Ref {}",
                        function.logical_id, event.name, event.api_id, template.http_api
                    ));
                }
            }
            many => problems.push(format!(
                "template.yaml: {} {} is declared {} times ({})",
                route.method,
                route.path,
                many.len(),
                many.iter().map(|(f, e)| format!("{}.{}", f.logical_id, e.name)).collect::<Vec<_>>().join(", ")
            )),
        }

        match openapi.operation(route.method, route.path) {
            None => problems.push(format!("infra/openapi.yaml: no operation {} {}", route.method, route.path)),
            Some(operation) => {
                if operation.operation_id.as_deref() != Some(route.operation_id) {
                    problems.push(format!(
                        "infra/openapi.yaml: {} {} has operationId {:?}, want {:?}",
                        route.method, route.path, operation.operation_id, route.operation_id
                    ));
                }
                if operation.needs_token != (route.access == Access::SignedIn) {
                    problems.push(format!(
                        "infra/openapi.yaml: {} {} security requires a token: {}, but the route is {:?}",
                        route.method, route.path, operation.needs_token, route.access
                    ));
                }
            }
        }
    }

    // Assert
    assert!(problems.is_empty(), "routes.rs disagrees with the documents:\n{}", problems.join("\n"));
    Ok(())
}

#[test]
fn the_template_and_openapi_have_no_route_missing_from_the_router() -> Result<()> {
    // Arrange
    let template = Template::load()?;
    let openapi = OpenApi::load()?;
    let mut problems = Vec::new();

    // Act
    for (function, event) in template.http_events() {
        if !ROUTES.iter().any(|route| event.serves(route)) {
            problems.push(format!(
                "template.yaml: {}.{} ({} {}) is not in routes.rs",
                function.logical_id, event.name, event.method, event.path
            ));
        }
    }
    for operation in &openapi.operations {
        let known = ROUTES.iter().any(|r| r.method.eq_ignore_ascii_case(&operation.method) && r.path == operation.path);
        if !known {
            problems.push(format!(
                "infra/openapi.yaml: {} {} (operationId {:?}) is not in routes.rs",
                operation.method.to_uppercase(),
                operation.path,
                operation.operation_id
            ));
        }
    }

    // Assert
    assert!(problems.is_empty(), "routes missing from routes.rs:\n{}", problems.join("\n"));
    Ok(())
}

#[test]
fn every_function_has_a_package_a_template_entry_and_a_sample_event() -> Result<()> {
    // Arrange
    let template = Template::load()?;
    let functions = all_functions();
    let mut problems = Vec::new();

    // Act
    for name in &functions {
        let is_http = ROUTES.iter().any(|r| r.function == *name);
        if let Err(e) = check_package(name) {
            problems.push(format!("functions/{name}: {e:#}"));
        }
        match template.functions.iter().filter(|f| f.binary == *name).collect::<Vec<_>>()[..] {
            [function] => {
                // `make sam-build` builds every binary in one cargo invocation; SAM packages
                // each artifact as it is and builds nothing itself.
                let artifact = format!("target/lambda/{name}/");
                if function.code_uri != artifact || function.build_method.is_some() {
                    problems.push(format!(
                        "template.yaml: {} has CodeUri {:?} and BuildMethod {:?}, want {artifact:?} and none",
                        function.logical_id, function.code_uri, function.build_method
                    ));
                }
            }
            ref found => problems.push(format!("template.yaml: {} functions with Binary {name}, want 1", found.len())),
        }
        let sample = repo_root().join("events").join(format!("{name}.json"));
        if !sample.is_file() {
            problems.push(format!("events/{name}.json is missing"));
        }
        if !is_http && let Err(e) = check_background_event(&template, name, &sample) {
            problems.push(format!("events/{name}.json: {e:#}"));
        }
    }
    // Variants (events/<function>.<variant>.json) are checked the same way as the main one.
    for sample in json_files(&repo_root().join("events"))? {
        let file_name = sample.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
        let function = file_name.split('.').next().unwrap_or_default();
        if !functions.contains(function) {
            problems.push(format!("events/{file_name}: no function named {function:?}"));
        } else if ROUTES.iter().any(|r| r.function == function)
            && let Err(e) = check_http_event(function, &sample)
        {
            problems.push(format!("events/{file_name}: {e:#}"));
        }
    }
    for function in &template.functions {
        if !functions.contains(function.binary.as_str()) {
            problems.push(format!(
                "template.yaml: {} (Binary {}) serves no route and is not a background function",
                function.logical_id, function.binary
            ));
        }
    }
    for package in fs::read_dir(repo_root().join("functions")).context("Failed to list functions/")? {
        let package = package?.file_name().to_string_lossy().into_owned();
        if !functions.contains(package.as_str()) {
            problems.push(format!("functions/{package} is neither in routes.rs nor a background function"));
        }
    }

    // Assert
    assert!(problems.is_empty(), "functions out of step:\n{}", problems.join("\n"));
    Ok(())
}

#[test]
fn each_function_s_main_wires_exactly_the_services_of_its_row() -> Result<()> {
    // Arrange: a binary links only the adapters its main builds; `Wiring::build` refuses a
    // mismatch at start-up, and this finds it before a deployment does.
    let method = |service: &Service| match service {
        Service::Table => "table",
        Service::Identity => "identity",
        Service::Mail => "mail",
        Service::Tokens => "tokens",
    };
    let mut problems = Vec::new();

    // Act
    for (name, services) in FUNCTIONS {
        let path = repo_root().join("functions").join(name).join("src/main.rs");
        let main = fs::read_to_string(&path).with_context(|| format!("Failed to read {}", path.display()))?;
        let wired: BTreeSet<&str> =
            ["table", "identity", "mail", "tokens"].into_iter().filter(|m| main.contains(&format!(".{m}()"))).collect();
        let listed: BTreeSet<&str> = services.iter().map(method).collect();
        let builds = main.contains(&format!("Wiring::new(\"{name}\")"));
        if services.is_empty() == builds || wired != listed {
            problems
                .push(format!("functions/{name}: wires {wired:?} (Wiring::new: {builds}), its row lists {listed:?}"));
        }
    }

    // Assert
    assert!(problems.is_empty(), "mains out of step with routes.rs:\n{}", problems.join("\n"));
    Ok(())
}

#[test]
fn function_urls_exist_exactly_for_email_link_functions() -> Result<()> {
    // Arrange
    let template = Template::load()?;
    let expected: BTreeSet<&str> = FUNCTION_URL_FUNCTIONS.iter().copied().collect();

    // Act
    let actual: BTreeSet<&str> =
        template.functions.iter().filter(|f| f.has_function_url).map(|f| f.binary.as_str()).collect();
    // A function URL bypasses the JWT authorizer, so it may only front public routes.
    let signed_in_behind_url: Vec<String> = ROUTES
        .iter()
        .filter(|r| r.access == Access::SignedIn && expected.contains(r.function))
        .map(|r| format!("{} {} ({})", r.method, r.path, r.function))
        .collect();

    // Assert
    assert!(!template.globals_have_function_url, "Globals.Function must not set FunctionUrlConfig");
    assert_eq!(actual, expected, "functions with FunctionUrlConfig in template.yaml");
    assert!(
        signed_in_behind_url.is_empty(),
        "signed-in routes reachable through a function URL: {signed_in_behind_url:?}"
    );
    // A function URL bypasses the API's throttling too: reserved concurrency caps it.
    let unbounded: Vec<&str> = template
        .functions
        .iter()
        .filter(|f| f.has_function_url && !f.has_reserved_concurrency)
        .map(|f| f.logical_id.as_str())
        .collect();
    assert!(unbounded.is_empty(), "functions with a URL and no ReservedConcurrentExecutions: {unbounded:?}");
    Ok(())
}

#[test]
fn the_dead_letter_alarm_counts_the_line_the_outbox_logs() -> Result<()> {
    // The relay logs DEAD_LETTERED (in the JSON `fields.message`) for every email it gives
    // up on; the metric filter behind DeadLetteredEmailsAlarm must match that exact text.
    let template = read_yaml("template.yaml")?;
    let pattern = str_at(&template, &["Resources", "DeadLetteredEmailsFilter", "Properties", "FilterPattern"])
        .context("template.yaml has no DeadLetteredEmailsFilter.Properties.FilterPattern")?;
    let wanted = format!("{{ $.fields.message = \"{}\" }}", portal::app::outbox::DEAD_LETTERED);
    assert_eq!(pattern, wanted);
    let alarm = template
        .get("Resources")
        .and_then(|r| r.get("DeadLetteredEmailsAlarm"))
        .and_then(|a| a.get("Properties"))
        .context("template.yaml has no DeadLetteredEmailsAlarm")?;
    assert_eq!(str_at(alarm, &["MetricName"]), Some("DeadLetteredEmails"));
    assert!(alarm.get("AlarmActions").and_then(Value::as_sequence).is_some_and(|a| !a.is_empty()));
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Reading the documents
// ---------------------------------------------------------------------------------------------

#[test]
fn every_signed_in_function_may_read_the_caller_and_write_an_audit_event() -> Result<()> {
    // Every signed-in request reads the caller's account and login together (a
    // BatchGetItem), a request made under an impersonation reads its session, customer and
    // link (GetItem) and is audited (a PutItem) before it runs, whatever the function does.
    let template = read_yaml("template.yaml")?;
    let signed_in: BTreeSet<&str> =
        ROUTES.iter().filter(|r| r.access == Access::SignedIn).map(|r| r.function).collect();
    let mut problems = Vec::new();
    let resources = template.get("Resources").and_then(Value::as_mapping).context("no Resources")?;
    for (id, resource) in resources {
        let Some(binary) = str_at(resource, &["Metadata", "BuildProperties", "Binary"]) else { continue };
        if !signed_in.contains(binary) {
            continue;
        }
        let mut actions = BTreeSet::new();
        let policies = resource.get("Properties").and_then(|p| p.get("Policies")).and_then(Value::as_sequence);
        for statement in policies.into_iter().flatten().filter_map(|p| p.get("Statement")?.as_sequence()).flatten() {
            match statement.get("Action") {
                Some(Value::String(a)) => {
                    actions.insert(a.clone());
                }
                Some(Value::Sequence(list)) => actions.extend(list.iter().filter_map(Value::as_str).map(str::to_owned)),
                _ => {}
            }
        }
        for wanted in ["dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:PutItem"] {
            if !actions.contains(wanted) {
                problems.push(format!("template.yaml: {} ({binary}) lacks {wanted}", id.as_str().unwrap_or_default()));
            }
        }
    }
    assert!(problems.is_empty(), "policies too narrow:\n{}", problems.join("\n"));
    Ok(())
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("the tests crate sits in the workspace").to_path_buf()
}

/// Every Lambda binary: the ones serving routes and the background ones.
fn all_functions() -> BTreeSet<&'static str> {
    ROUTES.iter().map(|r| r.function).chain(BACKGROUND_FUNCTIONS.iter().copied()).collect()
}

fn read_yaml(relative: &str) -> Result<Value> {
    let path = repo_root().join(relative);
    let text = fs::read_to_string(&path).with_context(|| format!("Failed to read {}", path.display()))?;
    let value: Value = serde_yaml_ng::from_str(&text).with_context(|| format!("Failed to parse {}", path.display()))?;
    Ok(long_form(value))
}

/// Rewrites CloudFormation short tags (`!Ref X`, `!Sub s`, `!GetAtt A.b`, `!If [...]`) into the
/// long form (`{Ref: X}`, `{"Fn::Sub": s}`, ...) that CloudFormation itself uses, so the rest of
/// the test sees plain mappings. `serde_yaml_ng` keeps unknown tags as `Value::Tagged`.
fn long_form(value: Value) -> Value {
    match value {
        Value::Tagged(tagged) => {
            let tag = tagged.tag.to_string();
            let tag = tag.trim_start_matches('!');
            let key = if tag == "Ref" || tag == "Condition" { tag.to_owned() } else { format!("Fn::{tag}") };
            let mut mapping = Mapping::new();
            mapping.insert(Value::String(key), long_form(tagged.value));
            Value::Mapping(mapping)
        }
        Value::Sequence(items) => Value::Sequence(items.into_iter().map(long_form).collect()),
        Value::Mapping(mapping) => Value::Mapping(mapping.into_iter().map(|(k, v)| (k, long_form(v))).collect()),
        other => other,
    }
}

fn str_at<'a>(value: &'a Value, path: &[&str]) -> Option<&'a str> {
    path.iter().try_fold(value, |v, key| v.get(*key))?.as_str()
}

/// The target of `{Ref: X}`, if the value is one.
fn ref_target(value: Option<&Value>) -> Option<String> {
    value?.get("Ref")?.as_str().map(str::to_owned)
}

struct Template {
    functions: Vec<Function>,
    /// Logical id of the one `AWS::Serverless::HttpApi`.
    http_api: String,
    /// Name of its one JWT authorizer.
    jwt_authorizer: String,
    globals_have_function_url: bool,
}

struct Function {
    logical_id: String,
    binary: String,
    /// Where SAM takes the function's code from: the prebuilt artifact of `make sam-build`.
    code_uri: String,
    /// SAM's build method, if SAM were to build the function itself.
    build_method: Option<String>,
    has_function_url: bool,
    has_reserved_concurrency: bool,
    events: Vec<Event>,
}

struct Event {
    name: String,
    kind: String,
    path: String,
    method: String,
    authorizer: Option<String>,
    api_id: Option<String>,
}

impl Event {
    fn serves(&self, route: &Route) -> bool {
        self.kind == "HttpApi" && self.path == route.path && self.method.eq_ignore_ascii_case(route.method)
    }
}

impl Template {
    fn load() -> Result<Self> {
        let doc = read_yaml("template.yaml")?;
        let resources = doc.get("Resources").and_then(Value::as_mapping).context("template.yaml has no Resources")?;

        let mut functions = Vec::new();
        let mut http_apis = Vec::new();
        for (id, resource) in resources {
            let id = id.as_str().context("a resource id is not a string")?.to_owned();
            match str_at(resource, &["Type"]) {
                Some("AWS::Serverless::Function") => {
                    functions.push(Function::parse(&id, resource).with_context(|| format!("template.yaml: {id}"))?)
                }
                Some("AWS::Serverless::HttpApi") => http_apis.push((id, resource)),
                _ => {}
            }
        }

        let [(http_api, api)] = http_apis.as_slice() else {
            bail!("template.yaml must have exactly one AWS::Serverless::HttpApi, found {}", http_apis.len());
        };
        let authorizers = api
            .get("Properties")
            .and_then(|p| p.get("Auth"))
            .and_then(|a| a.get("Authorizers"))
            .and_then(Value::as_mapping)
            .with_context(|| format!("template.yaml: {http_api} has no Auth.Authorizers"))?;
        let jwt: Vec<_> = authorizers
            .iter()
            .filter(|(_, a)| a.get("JwtConfiguration").is_some())
            .filter_map(|(name, _)| name.as_str())
            .collect();
        let [jwt_authorizer] = jwt.as_slice() else {
            bail!("template.yaml: {http_api} must have exactly one JWT authorizer, found {jwt:?}");
        };

        let globals_have_function_url =
            doc.get("Globals").and_then(|g| g.get("Function")).and_then(|f| f.get("FunctionUrlConfig")).is_some();

        Ok(Self {
            functions,
            http_api: http_api.clone(),
            jwt_authorizer: (*jwt_authorizer).to_owned(),
            globals_have_function_url,
        })
    }

    fn http_events(&self) -> impl Iterator<Item = (&Function, &Event)> {
        self.functions.iter().flat_map(|f| f.events.iter().filter(|e| e.kind == "HttpApi").map(move |e| (f, e)))
    }
}

impl Function {
    fn parse(logical_id: &str, resource: &Value) -> Result<Self> {
        let binary = str_at(resource, &["Metadata", "BuildProperties", "Binary"])
            .context("no Metadata.BuildProperties.Binary")?
            .to_owned();
        let properties = resource.get("Properties").context("no Properties")?;
        let mut events = Vec::new();
        if let Some(declared) = properties.get("Events").and_then(Value::as_mapping) {
            for (name, event) in declared {
                let name = name.as_str().context("an event name is not a string")?.to_owned();
                let kind = str_at(event, &["Type"]).with_context(|| format!("event {name} has no Type"))?.to_owned();
                let props = event.get("Properties");
                let text = |key: &str| props.and_then(|p| p.get(key)).and_then(Value::as_str).map(str::to_owned);
                events.push(Event {
                    path: text("Path").unwrap_or_default(),
                    method: text("Method").unwrap_or_default(),
                    authorizer: props.and_then(|p| str_at(p, &["Auth", "Authorizer"])).map(str::to_owned),
                    api_id: ref_target(props.and_then(|p| p.get("ApiId"))),
                    kind,
                    name,
                });
            }
        }
        Ok(Self {
            logical_id: logical_id.to_owned(),
            code_uri: str_at(properties, &["CodeUri"]).unwrap_or_default().to_owned(),
            build_method: str_at(resource, &["Metadata", "BuildMethod"]).map(str::to_owned),
            binary,
            has_function_url: properties.get("FunctionUrlConfig").is_some(),
            has_reserved_concurrency: properties.get("ReservedConcurrentExecutions").is_some(),
            events,
        })
    }
}

struct OpenApi {
    operations: Vec<Operation>,
}

struct Operation {
    method: String,
    path: String,
    operation_id: Option<String>,
    /// Whether the operation's effective `security` requires some scheme.
    needs_token: bool,
}

impl OpenApi {
    fn load() -> Result<Self> {
        let doc = read_yaml("infra/openapi.yaml")?;
        let version = str_at(&doc, &["openapi"]).unwrap_or_default();
        ensure!(version.starts_with("3.1."), "infra/openapi.yaml: openapi is {version:?}, want 3.1.x");
        let global_security = doc.get("security");
        let paths = doc.get("paths").and_then(Value::as_mapping).context("infra/openapi.yaml has no paths")?;

        let mut operations = Vec::new();
        for (path, item) in paths {
            let path = path.as_str().context("a path is not a string")?;
            let Some(item) = item.as_mapping() else {
                continue;
            };
            for (method, operation) in item {
                let Some(method) = method.as_str().filter(|m| OPENAPI_METHODS.contains(m)) else {
                    continue;
                };
                let security = operation.get("security").or(global_security);
                let needs_token = security.and_then(Value::as_sequence).is_some_and(|reqs| {
                    !reqs.is_empty() && reqs.iter().all(|r| r.as_mapping().is_some_and(|m| !m.is_empty()))
                });
                operations.push(Operation {
                    method: method.to_owned(),
                    path: path.to_owned(),
                    operation_id: str_at(operation, &["operationId"]).map(str::to_owned),
                    needs_token,
                });
            }
        }
        Ok(Self { operations })
    }

    fn operation(&self, method: &str, path: &str) -> Option<&Operation> {
        self.operations.iter().find(|o| o.method.eq_ignore_ascii_case(method) && o.path == path)
    }
}

// ---------------------------------------------------------------------------------------------
// Packages and sample events
// ---------------------------------------------------------------------------------------------

/// `functions/<name>/Cargo.toml` builds a binary called `<name>`: a `[[bin]]` with that name, or
/// a package of that name with the default `src/main.rs`.
fn check_package(name: &str) -> Result<()> {
    let dir = repo_root().join("functions").join(name);
    let manifest = dir.join("Cargo.toml");
    let text = fs::read_to_string(&manifest).with_context(|| format!("Failed to read {}", manifest.display()))?;
    let names = toml_section_names(&text);
    let package = names.get("package").and_then(|n| n.first()).map(String::as_str);
    let bins = names.get("[bin]").cloned().unwrap_or_default();
    let default_bin = package == Some(name) && dir.join("src/main.rs").is_file();
    ensure!(
        default_bin || bins.iter().any(|b| b == name),
        "no binary named {name} (package {package:?}, [[bin]] {bins:?}, src/main.rs present: {})",
        dir.join("src/main.rs").is_file()
    );
    Ok(())
}

/// The `name = "..."` values per section header (`package`, `[bin]` for `[[bin]]`, ...). Enough
/// TOML for Cargo manifests, which the tests crate has no parser for.
fn toml_section_names(text: &str) -> BTreeMap<String, Vec<String>> {
    let mut names: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut section = String::new();
    for line in text.lines().map(str::trim) {
        if let Some(header) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = header.trim().to_owned();
        } else if let Some((key, value)) = line.split_once('=')
            && key.trim() == "name"
        {
            let value = value.split('#').next().unwrap_or_default().trim().trim_matches('"').to_owned();
            names.entry(section.clone()).or_default().push(value);
        }
    }
    names
}

fn json_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).with_context(|| format!("Failed to list {}", dir.display()))? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "json") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// The fields `lambda_http` needs to turn an HTTP API (payload 2.0) event into a request, with
/// its types: claims, for example, must be strings, as API Gateway sends them.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct HttpApiEvent {
    version: String,
    route_key: String,
    raw_path: String,
    raw_query_string: String,
    headers: BTreeMap<String, String>,
    #[serde(default)]
    query_string_parameters: Option<BTreeMap<String, String>>,
    #[serde(default)]
    path_parameters: Option<BTreeMap<String, String>>,
    request_context: RequestContext,
    body: Option<String>,
    is_base64_encoded: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct RequestContext {
    account_id: String,
    api_id: String,
    domain_name: String,
    http: HttpDescription,
    request_id: String,
    route_key: String,
    stage: String,
    time: String,
    time_epoch: i64,
    authorizer: Option<Authorizer>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct HttpDescription {
    method: String,
    path: String,
    protocol: String,
    source_ip: String,
    user_agent: String,
}

#[derive(Deserialize)]
struct Authorizer {
    jwt: Option<Jwt>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct Jwt {
    claims: BTreeMap<String, String>,
    scopes: Option<Vec<String>>,
}

/// An HTTP sample event reaches one of `function`'s routes, the way API Gateway would send it.
fn check_http_event(function: &str, file: &Path) -> Result<()> {
    let text = fs::read_to_string(file).context("Failed to read")?;
    let event: HttpApiEvent = serde_json::from_str(&text).context("not an HTTP API payload 2.0 event")?;
    let http = &event.request_context.http;
    ensure!(event.version == "2.0", "version is {:?}, want \"2.0\"", event.version);
    ensure!(
        http.path == event.raw_path,
        "requestContext.http.path {:?} differs from rawPath {:?}",
        http.path,
        event.raw_path
    );
    let Some((route, params)) = match_route(&http.method, &event.raw_path) else {
        bail!("{} {} matches no route", http.method, event.raw_path);
    };
    ensure!(
        route.function == function,
        "{} {} is served by {}, not {function}",
        http.method,
        event.raw_path,
        route.function
    );
    let route_key = format!("{} {}", route.method, route.path);
    ensure!(event.route_key == route_key, "routeKey is {:?}, want {route_key:?}", event.route_key);
    ensure!(
        event.request_context.route_key == route_key,
        "requestContext.routeKey is {:?}, want {route_key:?}",
        event.request_context.route_key
    );
    ensure!(event.request_context.stage == "$default", "stage is {:?}, want \"$default\"", event.request_context.stage);
    let params: BTreeMap<String, String> = params.into_iter().collect();
    let declared = event.path_parameters.clone().unwrap_or_default();
    ensure!(declared == params, "pathParameters are {declared:?}, the path binds {params:?}");
    let query: BTreeMap<String, String> =
        url::form_urlencoded::parse(event.raw_query_string.as_bytes()).into_owned().collect();
    let declared = event.query_string_parameters.clone().unwrap_or_default();
    ensure!(declared == query, "queryStringParameters are {declared:?}, rawQueryString has {query:?}");
    if route.access == Access::SignedIn {
        ensure!(
            event.headers.get("authorization").is_some_and(|h| h.starts_with("Bearer ")),
            "a signed-in route needs an `authorization: Bearer ...` header"
        );
        ensure!(
            event.request_context.authorizer.as_ref().and_then(|a| a.jwt.as_ref()).is_some(),
            "a signed-in route needs requestContext.authorizer.jwt, as the JWT authorizer sends it"
        );
    }
    Ok(())
}

/// A background function's sample matches its trigger: a schedule gets an EventBridge
/// "Scheduled Event".
fn check_background_event(template: &Template, function: &str, file: &Path) -> Result<()> {
    let text = fs::read_to_string(file).context("Failed to read")?;
    let event: serde_json::Value = serde_json::from_str(&text).context("not JSON")?;
    ensure!(event.get("requestContext").is_none(), "a background function gets no HTTP event");
    let scheduled = template
        .functions
        .iter()
        .filter(|f| f.binary == function)
        .flat_map(|f| &f.events)
        .any(|e| e.kind == "Schedule" || e.kind == "ScheduleV2");
    if scheduled {
        ensure!(
            event.get("detail-type").and_then(|d| d.as_str()) == Some("Scheduled Event")
                && event.get("source").and_then(|s| s.as_str()) == Some("aws.events"),
            "the function runs on a schedule, so its sample must be an EventBridge Scheduled Event"
        );
    }
    Ok(())
}
