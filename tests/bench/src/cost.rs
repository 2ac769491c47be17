//! The cost of onboarding flows, from the AWS calls the local stack counted and AWS's
//! published on-demand prices. Deterministic: the unit tests check the arithmetic.
//!
//! What is counted is the work the code does; what is assumed is written here:
//! - Lambda bills each invocation's duration (1 ms granularity) at its memory size. The
//!   duration is estimated from the counted calls: each sequential wave waits for its slowest
//!   call ([`latency_ms`], typical in-region latencies), plus [`CPU_MS`] of the function's own
//!   work. Cold starts are left out (they are rare on a warm stack and measured apart).
//! - DynamoDB on demand: a read of one item of up to 4 KB is one read request unit, a write of
//!   up to 1 KB one write unit, and transactions cost twice that per item. Queries are taken as
//!   one unit per call (pages of small items). The portal's items are small.
//! - Each email is one SES message, sent by one `outbox-relay` invocation (the stream may
//!   batch several, so this is an upper bound) with the relay's counted calls.
//! - Cognito bills monthly active users: each flow brings two (the customer and the
//!   partner), priced past the free tier.

/// When the prices below were read from AWS's pricing pages (us-east-1, on demand).
pub const PRICES_READ_ON: &str = "2025-06-01";
/// Lambda, arm64 (the template's default architecture), per GB-second.
pub const LAMBDA_GB_SECOND: f64 = 0.000_013_333_4;
/// Lambda, per request.
pub const LAMBDA_REQUEST: f64 = 0.20 / 1_000_000.0;
/// API Gateway HTTP API, per request (first 300 million a month).
pub const HTTP_API_REQUEST: f64 = 1.00 / 1_000_000.0;
/// DynamoDB on demand, per write request unit.
pub const DYNAMODB_WRITE_UNIT: f64 = 0.625 / 1_000_000.0;
/// DynamoDB on demand, per read request unit.
pub const DYNAMODB_READ_UNIT: f64 = 0.125 / 1_000_000.0;
/// SES, per outbound email.
pub const SES_EMAIL: f64 = 0.10 / 1_000.0;
/// Cognito user pools, Essentials tier (new pools' default), per monthly active user past
/// the 10,000 free ones.
pub const COGNITO_MAU: f64 = 0.015;
/// Monthly active users an onboarding flow adds: the customer and its partner.
pub const MAUS_PER_FLOW: f64 = 2.0;
/// The function's own work per invocation, beside waiting for AWS.
pub const CPU_MS: f64 = 5.0;

/// Typical latency of one call to a service, in milliseconds.
pub fn latency_ms(service: &str) -> f64 {
    match service {
        "dynamodb" => 8.0,
        "cognito-idp" => 60.0,
        "sesv2" => 40.0,
        _ => 30.0,
    }
}

/// One counted AWS call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counted {
    pub service: String,
    pub operation: String,
    /// Items of a transaction or batch, else 1.
    pub items: u32,
}

/// One Lambda invocation: the function, its memory size and its calls in sequential waves.
#[derive(Debug, Clone)]
pub struct Invocation {
    pub function: String,
    pub memory_mb: u32,
    pub waves: Vec<Vec<Counted>>,
    /// Whether it came through the HTTP API (the relay is invoked by the stream).
    pub through_api: bool,
}

/// DynamoDB request units of one call: (read units, write units).
pub fn request_units(call: &Counted) -> (f64, f64) {
    if call.service != "dynamodb" {
        return (0.0, 0.0);
    }
    let items = f64::from(call.items);
    match call.operation.as_str() {
        "GetItem" | "Query" | "Scan" => (1.0, 0.0),
        "BatchGetItem" => (items, 0.0),
        "TransactGetItems" => (2.0 * items, 0.0),
        "PutItem" | "UpdateItem" | "DeleteItem" => (0.0, 1.0),
        "BatchWriteItem" => (0.0, items),
        "TransactWriteItems" => (0.0, 2.0 * items),
        _ => (0.0, 0.0),
    }
}

impl Invocation {
    /// Estimated billed duration: the slowest call of each wave, plus the function's own work.
    pub fn duration_ms(&self) -> f64 {
        let waiting: f64 =
            self.waves.iter().map(|wave| wave.iter().map(|c| latency_ms(&c.service)).fold(0.0, f64::max)).sum();
        (waiting + CPU_MS).ceil()
    }

    pub fn calls(&self) -> impl Iterator<Item = &Counted> {
        self.waves.iter().flatten()
    }
}

/// What a number of flows costs, by service, in US dollars.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Bill {
    pub lambda: f64,
    pub http_api: f64,
    pub dynamodb: f64,
    pub ses: f64,
    pub cognito: f64,
}

impl Bill {
    pub fn total(&self) -> f64 {
        self.lambda + self.http_api + self.dynamodb + self.ses + self.cognito
    }
}

/// The bill of `flows` flows, each made of `invocations` (requests and relay runs) and
/// sending `emails` emails.
pub fn bill(flows: u32, invocations: &[Invocation], emails: u32) -> Bill {
    let flows = f64::from(flows);
    let mut per_flow = Bill::default();
    for invocation in invocations {
        let gb_seconds = invocation.duration_ms() / 1000.0 * f64::from(invocation.memory_mb) / 1024.0;
        per_flow.lambda += gb_seconds * LAMBDA_GB_SECOND + LAMBDA_REQUEST;
        if invocation.through_api {
            per_flow.http_api += HTTP_API_REQUEST;
        }
        let (reads, writes) =
            invocation.calls().map(request_units).fold((0.0, 0.0), |(r, w), (cr, cw)| (r + cr, w + cw));
        per_flow.dynamodb += reads * DYNAMODB_READ_UNIT + writes * DYNAMODB_WRITE_UNIT;
    }
    per_flow.ses = f64::from(emails) * SES_EMAIL;
    per_flow.cognito = MAUS_PER_FLOW * COGNITO_MAU;
    Bill {
        lambda: per_flow.lambda * flows,
        http_api: per_flow.http_api * flows,
        dynamodb: per_flow.dynamodb * flows,
        ses: per_flow.ses * flows,
        cognito: per_flow.cognito * flows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(service: &str, operation: &str, items: u32) -> Counted {
        Counted { service: service.into(), operation: operation.into(), items }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn request_units_follow_dynamodb_s_on_demand_rules() {
        assert_eq!(request_units(&call("dynamodb", "GetItem", 1)), (1.0, 0.0));
        assert_eq!(request_units(&call("dynamodb", "BatchGetItem", 3)), (3.0, 0.0));
        assert_eq!(request_units(&call("dynamodb", "TransactGetItems", 2)), (4.0, 0.0));
        assert_eq!(request_units(&call("dynamodb", "UpdateItem", 1)), (0.0, 1.0));
        assert_eq!(request_units(&call("dynamodb", "TransactWriteItems", 4)), (0.0, 8.0));
        assert_eq!(request_units(&call("cognito-idp", "AdminCreateUser", 1)), (0.0, 0.0));
    }

    #[test]
    fn a_wave_waits_for_its_slowest_call_and_waves_add_up() {
        let invocation = Invocation {
            function: "approve".into(),
            memory_mb: 256,
            waves: vec![
                vec![call("dynamodb", "GetItem", 1), call("cognito-idp", "AdminCreateUser", 1)],
                vec![call("dynamodb", "TransactWriteItems", 3)],
            ],
            through_api: true,
        };
        assert_eq!(invocation.duration_ms(), 60.0 + 8.0 + CPU_MS);
    }

    #[test]
    fn the_bill_of_a_thousand_flows_adds_every_service() {
        let invocations = vec![
            Invocation {
                function: "sign-up".into(),
                memory_mb: 1024,
                waves: vec![vec![call("dynamodb", "TransactWriteItems", 3)]],
                through_api: true,
            },
            Invocation {
                function: "outbox-relay".into(),
                memory_mb: 512,
                waves: vec![vec![call("dynamodb", "UpdateItem", 1)], vec![call("sesv2", "SendEmail", 1)]],
                through_api: false,
            },
        ];

        let bill = bill(1000, &invocations, 1);

        // sign-up: 13 ms at 1 GB; the relay: 8 + 40 + 5 = 53 ms at 0.5 GB.
        let gb_seconds = 0.013 * 1.0 + 0.053 * 0.5;
        assert!(close(bill.lambda, 1000.0 * (gb_seconds * LAMBDA_GB_SECOND + 2.0 * LAMBDA_REQUEST)));
        assert!(close(bill.http_api, 1000.0 * HTTP_API_REQUEST));
        assert!(close(bill.dynamodb, 1000.0 * (6.0 + 1.0) * DYNAMODB_WRITE_UNIT));
        assert!(close(bill.ses, 1000.0 * SES_EMAIL));
        assert!(close(bill.cognito, 1000.0 * 2.0 * COGNITO_MAU));
        assert!(close(bill.total(), bill.lambda + bill.http_api + bill.dynamodb + bill.ses + bill.cognito));
    }
}
