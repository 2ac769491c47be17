//! Emails, rendered with `minijinja` from templates compiled into the binary
//! (`shared/templates/emails/`): only the outbox relay renders them. Names ending in `.html`
//! are HTML-escaped; `.txt` are not. An email's text template starts with a `Subject: ...`
//! line. (The pages email links open are compiled templates: `crate::http::pages`.)

use std::sync::LazyLock;

use anyhow::Context as _;
use minijinja::{AutoEscape, Environment};

use crate::domain::records::EmailKind;
use crate::ports::Email;

macro_rules! templates {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../templates/", $name)))),*]
    };
}

const TEMPLATES: &[(&str, &str)] = templates![
    "emails/layout.html",
    "emails/sign_up_received.txt",
    "emails/sign_up_received.html",
    "emails/account_exists.txt",
    "emails/account_exists.html",
    "emails/approved.txt",
    "emails/approved.html",
    "emails/rejected.txt",
    "emails/rejected.html",
    "emails/partner_invitation.txt",
    "emails/partner_invitation.html",
    "emails/partner_linked.txt",
    "emails/partner_linked.html",
    "emails/reset_password.txt",
    "emails/reset_password.html",
    "emails/password_changed.txt",
    "emails/password_changed.html",
    "emails/quote_requested.txt",
    "emails/quote_requested.html",
    "emails/customer_created.txt",
    "emails/customer_created.html",
];

static ENV: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|name| if name.ends_with(".html") { AutoEscape::Html } else { AutoEscape::None });
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Chainable);
    for (name, source) in TEMPLATES {
        env.add_template(name, source).expect("a template compiled into the binary does not parse");
    }
    env
});

fn kind_name(kind: EmailKind) -> String {
    serde_json::to_value(kind).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

/// Renders an email of `kind` with its parameters (which include the link, if any).
///
/// # Errors
/// When a template fails to render or the text template has no subject line.
pub fn render_email(kind: EmailKind, to: &str, params: &serde_json::Value) -> anyhow::Result<Email> {
    let name = kind_name(kind);
    let text = ENV
        .get_template(&format!("emails/{name}.txt"))
        .and_then(|t| t.render(params))
        .with_context(|| format!("Failed to render the text of the {name} email"))?;
    let html = ENV
        .get_template(&format!("emails/{name}.html"))
        .and_then(|t| t.render(params))
        .with_context(|| format!("Failed to render the HTML of the {name} email"))?;
    let (first, body) = text.split_once('\n').unwrap_or((&text, ""));
    let subject = first.strip_prefix("Subject: ").context("An email text template has no subject line")?;
    Ok(Email { to: to.to_owned(), subject: subject.trim().to_owned(), text: body.trim_start().to_owned(), html })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const KINDS: &[EmailKind] = &[
        EmailKind::SignUpReceived,
        EmailKind::AccountExists,
        EmailKind::Approved,
        EmailKind::Rejected,
        EmailKind::PartnerInvitation,
        EmailKind::PartnerLinked,
        EmailKind::ResetPassword,
        EmailKind::PasswordChanged,
        EmailKind::QuoteRequested,
        EmailKind::CustomerCreated,
    ];

    #[test]
    fn every_email_kind_renders_a_subject_text_and_html_with_its_link() {
        let params = json!({"first_name": "Ada", "business_name": "Acme", "customer_name": "Globex",
            "partner_type": "Reseller", "link": "https://x.test/l?token=abc", "login_url": "https://p.test/login",
            "forgot_password_url": "https://p.test/forgot-password", "reason": "Unknown business"});
        for kind in KINDS {
            let email = render_email(*kind, "a@acme.test", &params).unwrap();
            assert!(!email.subject.is_empty() && !email.subject.contains('\n'), "{kind:?}");
            assert!(email.html.contains("<html"), "{kind:?}");
            assert!(!email.text.starts_with("Subject:"), "{kind:?}");
        }
        let approved = render_email(EmailKind::Approved, "a@acme.test", &params).unwrap();
        assert!(approved.text.contains("https://x.test/l?token=abc"));
        assert!(approved.html.contains("Set Password"));
    }

    #[test]
    fn html_escapes_what_a_person_typed_but_text_keeps_it() {
        let params = json!({"first_name": "<b>x</b>", "business_name": "A&B <script>", "link": "https://x"});
        let email = render_email(EmailKind::SignUpReceived, "a@acme.test", &params).unwrap();
        assert!(email.html.contains("A&amp;B &lt;script&gt;"));
        assert!(!email.html.contains("<script>"));
        assert!(email.text.contains("A&B <script>"));
    }

    #[test]
    fn the_account_exists_notice_links_to_forgot_password_not_to_a_reset_page() {
        let params = json!({"pending": false, "forgot_password_url": "https://p.test/forgot-password"});
        let email = render_email(EmailKind::AccountExists, "a@acme.test", &params).unwrap();
        assert!(email.text.contains("https://p.test/forgot-password"));
        assert!(email.html.contains("p.test&#x2f;forgot-password"), "{}", email.html);
        assert!(!email.text.contains("reset-password") && !email.html.contains("reset-password"));
    }

    #[test]
    fn the_invitation_email_says_sign_up_now() {
        let email = render_email(EmailKind::PartnerInvitation, "p@x.test",
            &json!({"customer_name": "Globex", "business_name": "Acme", "partner_type": "Managed", "link": "https://l"})).unwrap();
        assert!(email.html.contains("Sign Up Now") && email.text.contains("Sign Up Now"));
        assert_eq!(email.subject, "A customer invites you to the Partner Portal");
    }

    #[test]
    fn no_subject_carries_what_a_person_typed() {
        // Every value a template can show, each a marker that must not reach a subject line.
        let names = [
            "first_name",
            "last_name",
            "business_name",
            "customer_name",
            "partner_name",
            "partner_type",
            "product_name",
            "section",
            "requested_by",
            "message",
            "reason",
            "email",
            "link",
            "login_url",
            "reset_url",
            "forgot_password_url",
        ];
        let params: serde_json::Map<String, serde_json::Value> =
            names.iter().map(|n| ((*n).to_owned(), json!(format!("TYPED-{n}")))).collect();
        for kind in KINDS {
            let email = render_email(*kind, "a@acme.test", &serde_json::Value::Object(params.clone())).unwrap();
            assert!(!email.subject.contains("TYPED-"), "{kind:?}: {}", email.subject);
            assert!(!email.html.split("</title>").next().unwrap_or_default().contains("TYPED-"), "{kind:?}");
            assert!(email.text.contains("TYPED-"), "{kind:?} shows the values in its body");
        }
    }
}
