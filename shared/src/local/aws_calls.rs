//! Every AWS call of the local stack passes through a [`Recorder`]: an HTTP client wrapped
//! around the SDK's own, installed in the SDK configuration so that the real adapters run
//! unchanged. It records each call (service, operation, when it started and ended) so that
//! tests and `make bench` can count the calls of a workflow step and the sequential waves
//! they form, and it can fail the k-th call of a step to prove that the step survives a
//! fault at any point.
//!
//! A call is one SDK operation (`GetItem`, `AdminCreateUser`, `SendEmail`), however many
//! attempts the SDK's retries make: attempts of one operation share the SDK's
//! `amz-sdk-invocation-id` header. An injected fault fails every attempt of its call, the way
//! an outage longer than the retries would.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use aws_config::SdkConfig;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;

/// One AWS operation as the emulator received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// `dynamodb`, `cognito-idp` or `sesv2`.
    pub service: &'static str,
    /// The operation's name, such as `TransactWriteItems`.
    pub operation: String,
    /// How many HTTP attempts the SDK made.
    pub attempts: u32,
    /// How many items the call reads or writes: the entries of a DynamoDB transaction or
    /// batch, 1 for any other call (what request units are counted from).
    pub items: u32,
    started: Instant,
    ended: Instant,
}

impl Call {
    /// `service:Operation`, as tables print it.
    pub fn label(&self) -> String {
        format!("{}:{}", self.service, self.operation)
    }
}

/// How an injected fault fails its call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The service answers 500 before doing anything.
    ServerError,
    /// The service refuses with a throttling error before doing anything.
    Throttled,
    /// The service does the work, but the answer is lost: the caller sees a 500.
    LostAnswer,
}

#[derive(Debug, Default)]
struct State {
    calls: Vec<Call>,
    /// Invocation id → index in `calls`.
    by_invocation: HashMap<String, usize>,
    /// Fail the call with this 1-based number (counted since the last [`Recorder::reset`]).
    fault: Option<(usize, Fault)>,
    /// Held before each attempt is sent, so that calls started together overlap in time and
    /// the waves they form can be told apart from calls made one after another.
    latency: Duration,
}

/// Records (and on request fails) the AWS calls made through the SDK configurations it wraps.
#[derive(Debug, Clone, Default)]
pub struct Recorder {
    state: Arc<Mutex<State>>,
}

impl Recorder {
    pub fn new() -> Self {
        Self::default()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The same SDK configuration, sending through this recorder. The emulator speaks plain
    /// HTTP, so the recorder wraps a plain HTTP client.
    pub fn wrap(&self, sdk: &SdkConfig) -> SdkConfig {
        let inner = super::plain_http();
        sdk.to_builder().http_client(SharedHttpClient::new(RecordingClient { inner, recorder: self.clone() })).build()
    }

    /// Forgets the calls recorded so far and any fault that was set.
    pub fn reset(&self) {
        let mut state = self.state();
        state.calls.clear();
        state.by_invocation.clear();
        state.fault = None;
    }

    /// Fails the `call`-th call (1-based) made after this, every attempt of it.
    pub fn fail_call(&self, call: usize, fault: Fault) {
        self.state().fault = Some((call, fault));
    }

    /// Holds every attempt this long before sending it (see [`Recorder::waves`]).
    pub fn set_latency(&self, latency: Duration) {
        self.state().latency = latency;
    }

    /// The calls made since the last reset, in the order they started.
    pub fn calls(&self) -> Vec<Call> {
        self.state().calls.clone()
    }

    /// The calls grouped in sequential waves: a wave is a set of calls that were in flight
    /// together; a call that starts after every call of the current wave has ended starts
    /// the next one. With a latency set, concurrent calls reliably overlap.
    pub fn waves(&self) -> Vec<Vec<Call>> {
        let mut calls = self.calls();
        calls.sort_by_key(|c| c.started);
        let mut waves: Vec<Vec<Call>> = Vec::new();
        let mut wave_end: Option<Instant> = None;
        for call in calls {
            match (waves.last_mut(), wave_end) {
                (Some(wave), Some(end)) if call.started < end => {
                    wave_end = Some(end.max(call.ended));
                    wave.push(call);
                }
                _ => {
                    wave_end = Some(call.ended);
                    waves.push(vec![call]);
                }
            }
        }
        waves
    }

    /// Registers an attempt: the call's index, how long to hold it, and the fault to apply.
    fn begin_attempt(
        &self,
        service: &'static str,
        operation: String,
        items: u32,
        invocation: Option<String>,
    ) -> Attempt {
        let mut state = self.state();
        let now = Instant::now();
        let existing = invocation.as_ref().and_then(|id| state.by_invocation.get(id).copied());
        let index = match existing {
            Some(index) => {
                state.calls[index].attempts += 1;
                index
            }
            None => {
                state.calls.push(Call { service, operation, attempts: 1, items, started: now, ended: now });
                let index = state.calls.len() - 1;
                if let Some(id) = invocation {
                    state.by_invocation.insert(id, index);
                }
                index
            }
        };
        let fault = match state.fault {
            // A lost answer lets the first attempt through; its retries then fail outright.
            Some((number, Fault::LostAnswer)) if number == index + 1 && state.calls[index].attempts > 1 => {
                Some(Fault::ServerError)
            }
            Some((number, fault)) if number == index + 1 => Some(fault),
            _ => None,
        };
        Attempt { index, latency: state.latency, fault }
    }

    fn end_attempt(&self, index: usize) {
        let mut state = self.state();
        if let Some(call) = state.calls.get_mut(index) {
            call.ended = Instant::now();
        }
    }
}

struct Attempt {
    index: usize,
    latency: Duration,
    fault: Option<Fault>,
}

#[derive(Debug)]
struct RecordingClient {
    inner: SharedHttpClient,
    recorder: Recorder,
}

impl HttpClient for RecordingClient {
    fn http_connector(&self, settings: &HttpConnectorSettings, components: &RuntimeComponents) -> SharedHttpConnector {
        SharedHttpConnector::new(RecordingConnector {
            inner: self.inner.http_connector(settings, components),
            recorder: self.recorder.clone(),
        })
    }
}

#[derive(Debug)]
struct RecordingConnector {
    inner: SharedHttpConnector,
    recorder: Recorder,
}

impl HttpConnector for RecordingConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let (service, operation) = operation_of(&request);
        let items = request.body().bytes().map_or(1, |body| items_of(&operation, body));
        let invocation = request.headers().get("amz-sdk-invocation-id").map(str::to_owned);
        let attempt = self.recorder.begin_attempt(service, operation, items, invocation);
        let (inner, recorder) = (self.inner.clone(), self.recorder.clone());
        HttpConnectorFuture::new(async move {
            if !attempt.latency.is_zero() {
                tokio::time::sleep(attempt.latency).await;
            }
            let answer = match attempt.fault {
                None => inner.call(request).await,
                Some(Fault::LostAnswer) => inner.call(request).await.map(|_| injected(Fault::ServerError)),
                Some(fault) => Ok(injected(fault)),
            };
            recorder.end_attempt(attempt.index);
            answer
        })
    }
}

/// The error answer of an injected fault, in the JSON shape the three services share.
fn injected(fault: Fault) -> HttpResponse {
    let (status, code) = match fault {
        Fault::Throttled => (400, "ThrottlingException"),
        Fault::ServerError | Fault::LostAnswer => (500, "InternalFailure"),
    };
    let body = format!(r#"{{"__type":"{code}","message":"fault injected by the local stack"}}"#);
    let mut response = HttpResponse::new(StatusCode::try_from(status).expect("a valid status"), SdkBody::from(body));
    response.headers_mut().insert("content-type", "application/x-amz-json-1.0");
    response.headers_mut().insert("x-amzn-errortype", code);
    response
}

/// The items a DynamoDB transaction or batch names in its JSON body; 1 for other calls.
fn items_of(operation: &str, body: &[u8]) -> u32 {
    let count = |json: &serde_json::Value| -> usize {
        match operation {
            "TransactWriteItems" | "TransactGetItems" => json["TransactItems"].as_array().map_or(1, Vec::len),
            "BatchGetItem" => json["RequestItems"]
                .as_object()
                .map_or(1, |tables| tables.values().map(|t| t["Keys"].as_array().map_or(0, Vec::len)).sum()),
            "BatchWriteItem" => json["RequestItems"]
                .as_object()
                .map_or(1, |tables| tables.values().map(|t| t.as_array().map_or(0, Vec::len)).sum()),
            _ => 1,
        }
    };
    serde_json::from_slice(body).map_or(1, |json| u32::try_from(count(&json)).unwrap_or(u32::MAX))
}

/// The service and operation of a request: JSON protocols name it in `X-Amz-Target`
/// (`DynamoDB_20120810.GetItem`); SESv2 is a REST API, named by its path.
fn operation_of(request: &HttpRequest) -> (&'static str, String) {
    if let Some(target) = request.headers().get("x-amz-target") {
        let (prefix, operation) = target.split_once('.').unwrap_or((target, target));
        let service = if prefix.starts_with("DynamoDB") {
            "dynamodb"
        } else if prefix.starts_with("AWSCognitoIdentityProvider") {
            "cognito-idp"
        } else {
            "other"
        };
        return (service, operation.to_owned());
    }
    let path = request
        .uri()
        .split("://")
        .nth(1)
        .and_then(|rest| rest.find('/').map(|at| &rest[at..]))
        .unwrap_or(request.uri());
    let operation = match (request.method(), path.split('?').next().unwrap_or_default()) {
        ("POST", "/v2/email/outbound-emails") => "SendEmail".to_owned(),
        (method, path) => format!("{method} {path}"),
    };
    ("sesv2", operation)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(started_ms: u64, ended_ms: u64, base: Instant) -> Call {
        Call {
            service: "dynamodb",
            operation: "GetItem".into(),
            attempts: 1,
            items: 1,
            started: base + Duration::from_millis(started_ms),
            ended: base + Duration::from_millis(ended_ms),
        }
    }

    #[test]
    fn transactions_and_batches_count_their_items_and_other_calls_one() {
        let transaction = br#"{"TransactItems":[{"Put":{}},{"Update":{}},{"ConditionCheck":{}}]}"#;
        let batch = br#"{"RequestItems":{"t":{"Keys":[{"pk":{"S":"a"}},{"pk":{"S":"b"}}]},"u":{"Keys":[{}]}}}"#;
        let writes = br#"{"RequestItems":{"t":[{"PutRequest":{}},{"DeleteRequest":{}}]}}"#;

        assert_eq!(items_of("TransactWriteItems", transaction), 3);
        assert_eq!(items_of("BatchGetItem", batch), 3);
        assert_eq!(items_of("BatchWriteItem", writes), 2);
        assert_eq!(items_of("GetItem", br#"{"Key":{}}"#), 1);
        assert_eq!(items_of("TransactWriteItems", b"not json"), 1);
    }

    #[test]
    fn overlapping_calls_form_one_wave_and_a_later_call_starts_the_next() {
        let recorder = Recorder::new();
        let base = Instant::now();
        recorder.state().calls = vec![call(0, 10, base), call(1, 12, base), call(12, 20, base), call(25, 30, base)];
        let sizes: Vec<usize> = recorder.waves().iter().map(Vec::len).collect();
        assert_eq!(sizes, vec![2, 1, 1]);
    }

    #[test]
    fn attempts_of_one_invocation_are_one_call_and_the_fault_hits_every_attempt() {
        let recorder = Recorder::new();
        recorder.fail_call(2, Fault::ServerError);
        let first = recorder.begin_attempt("dynamodb", "GetItem".into(), 1, Some("a".into()));
        let second = recorder.begin_attempt("dynamodb", "PutItem".into(), 1, Some("b".into()));
        let retry = recorder.begin_attempt("dynamodb", "PutItem".into(), 1, Some("b".into()));
        assert_eq!(
            (first.fault, second.fault, retry.fault),
            (None, Some(Fault::ServerError), Some(Fault::ServerError))
        );
        let calls = recorder.calls();
        assert_eq!(calls.len(), 2);
        assert_eq!((calls[1].label(), calls[1].attempts), ("dynamodb:PutItem".to_owned(), 2));
    }

    #[test]
    fn a_lost_answer_lets_the_first_attempt_through_and_fails_its_retries() {
        let recorder = Recorder::new();
        recorder.fail_call(1, Fault::LostAnswer);
        let first = recorder.begin_attempt("dynamodb", "TransactWriteItems".into(), 3, Some("a".into()));
        let retry = recorder.begin_attempt("dynamodb", "TransactWriteItems".into(), 3, Some("a".into()));
        assert_eq!((first.fault, retry.fault), (Some(Fault::LostAnswer), Some(Fault::ServerError)));
    }
}
