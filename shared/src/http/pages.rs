//! The HTML pages an email link opens (`shared/templates/pages/`), compiled into the binary
//! with `askama`: each page is a struct of what it shows, checked when the crate builds, and
//! everything it shows is HTML-escaped. The functions that render pages link no template
//! engine (emails, rendered by the outbox relay alone, stay on minijinja: `crate::templates`).

use askama::Template;

use crate::app::signup::{InvitationView, SignUpForm};
use crate::domain::fields::FieldErrors;

/// A page with a title and a sentence (`tone` is its CSS class: `notice` or `problem`), and
/// maybe a link onwards.
#[derive(Template)]
#[template(path = "pages/message.html")]
pub struct MessagePage<'a> {
    pub title: &'a str,
    pub message: &'a str,
    pub tone: &'a str,
    pub link: Option<PageLink<'a>>,
}

/// A link a page offers, as its address and its words.
pub struct PageLink<'a> {
    pub href: String,
    pub text: &'a str,
}

/// The form that sets a password from an email link (set, reset, activation).
#[derive(Template)]
#[template(path = "pages/password.html")]
pub struct PasswordPage<'a> {
    pub title: &'a str,
    pub action: &'a str,
    /// The link's token, sent back with the form.
    pub token: &'a str,
    /// The address the link is for.
    pub email: &'a str,
    pub errors: &'a FieldErrors,
}

/// The sign-up form ("Create Account Request", or "Sign Up Now" from an invitation).
#[derive(Template)]
#[template(path = "pages/signup.html")]
pub struct SignUpPage<'a> {
    pub action: &'a str,
    pub invitation: Option<&'a InvitationView>,
    pub fields: Vec<SignUpField<'a>>,
    pub privacy_policy: bool,
    pub terms: bool,
    pub errors: &'a FieldErrors,
}

/// One text input of the sign-up form.
pub struct SignUpField<'a> {
    pub name: &'static str,
    pub label: &'static str,
    pub kind: &'static str,
    pub required: bool,
    pub readonly: bool,
    pub value: &'a str,
}

impl<'a> SignUpPage<'a> {
    /// The form showing what was typed (`form`), or empty; opened from an invitation, it
    /// shows the invited business and address, and the address cannot be changed.
    pub fn new(
        action: &'a str,
        invitation: Option<&'a InvitationView>,
        form: Option<&'a SignUpForm>,
        errors: &'a FieldErrors,
    ) -> Self {
        let typed = |value: Option<&'a Option<String>>| value.and_then(Option::as_deref);
        let business_name = typed(form.map(|f| &f.business_name)).or(invitation.map(|i| i.business_name.as_str()));
        let email = typed(form.map(|f| &f.email)).or(invitation.map(|i| i.email.as_str()));
        let field = |name, label, kind, required, value: Option<&'a str>| SignUpField {
            name,
            label,
            kind,
            required,
            readonly: name == "email" && invitation.is_some(),
            value: value.unwrap_or_default(),
        };
        Self {
            action,
            invitation,
            fields: vec![
                field("business_name", "Business Name", "text", true, business_name),
                field("business_website", "Business Website", "url", true, typed(form.map(|f| &f.business_website))),
                field("first_name", "First Name", "text", true, typed(form.map(|f| &f.first_name))),
                field("last_name", "Last Name", "text", true, typed(form.map(|f| &f.last_name))),
                field("email", "Business Email", "email", true, email),
                field("phone", "Phone", "tel", false, typed(form.map(|f| &f.phone))),
            ],
            privacy_policy: form.is_some_and(|f| f.privacy_policy),
            terms: form.is_some_and(|f| f.terms),
            errors,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::account::PartnerType;
    use crate::domain::ids::{BusinessId, InvitationId};
    use crate::domain::records::InvitationRef;

    fn invitation() -> InvitationView {
        InvitationView {
            token: "tok<en>".into(),
            customer_name: "Globex <Corp>".into(),
            business_name: "Acme & Sons".into(),
            email: "p@acme.test".into(),
            partner_type: "Reseller".into(),
            invitation: InvitationRef {
                customer_id: BusinessId::new(),
                invitation_id: InvitationId::new(),
                partner_type: PartnerType::Reseller,
                customer_name: "Globex <Corp>".into(),
                generation: 0,
            },
        }
    }

    #[test]
    fn a_message_page_shows_its_title_sentence_and_link_escaped() {
        let page = MessagePage {
            title: "Password set",
            message: "Done <script>alert(1)</script>",
            tone: "notice",
            link: Some(PageLink { href: "https://p.test/login".into(), text: "Login" }),
        };
        let html = page.render().unwrap();
        assert!(html.contains("<title>Password set · Partner Portal</title>"), "{html}");
        assert!(html.contains("<h1>Password set</h1>"));
        assert!(html.contains(r#"<p class="notice">Done &#60;script&#62;alert(1)&#60;/script&#62;</p>"#), "{html}");
        assert!(html.contains(r#"<a href="https://p.test/login">Login</a>"#), "{html}");
        let without_link = MessagePage { link: None, ..page };
        assert!(!without_link.render().unwrap().contains("<a "));
    }

    #[test]
    fn the_password_form_carries_its_token_and_action_and_shows_field_errors() {
        let mut errors = FieldErrors::new();
        errors.add("confirm_password", "The two passwords do not match.");
        let page = PasswordPage {
            title: "Reset Password",
            action: "/auth/reset-password",
            token: "abc\"def",
            email: "jane@acme.test",
            errors: &errors,
        };
        let html = page.render().unwrap();
        assert!(html.contains("<h1>Reset Password</h1>"));
        assert!(html.contains(r#"<form method="post" action="/auth/reset-password">"#), "{html}");
        assert!(html.contains(r#"<input type="hidden" name="token" value="abc&#34;def">"#), "{html}");
        assert!(html.contains("jane@acme.test: use at least 12 characters."));
        assert!(html.contains(r#"<p class="error">The two passwords do not match.</p>"#), "{html}");
        assert_eq!(html.matches(r#"class="error""#).count(), 1, "only the field with an error shows one");
        assert!(html.contains("<button type=\"submit\">Send</button>"));
    }

    #[test]
    fn the_empty_sign_up_form_is_a_create_account_request() {
        let errors = FieldErrors::new();
        let html = SignUpPage::new("/signup", None, None, &errors).render().unwrap();
        assert!(html.contains("<h1>Create Account Request</h1>"), "{html}");
        for (name, label) in [("business_name", "Business Name *"), ("email", "Business Email *"), ("phone", "Phone")] {
            assert!(html.contains(&format!(r#"<label for="{name}">{label}</label>"#)), "{name}: {html}");
        }
        assert!(html.contains(r#"<input id="phone" name="phone" type="tel" value="">"#), "{html}");
        assert!(!html.contains("readonly") && !html.contains("checked") && !html.contains(r#"name="invitation""#));
    }

    #[test]
    fn the_sign_up_form_shows_what_was_typed_escaped_and_each_fields_error() {
        let form = SignUpForm {
            business_name: Some("A&B <Widgets>".into()),
            email: Some("jane@gmail.com".into()),
            privacy_policy: true,
            ..SignUpForm::default()
        };
        let mut errors = FieldErrors::new();
        errors.add("email", "Please use your business email address.");
        errors.add("terms", "Please agree to the Terms and Conditions.");
        let html = SignUpPage::new("/signup", None, Some(&form), &errors).render().unwrap();
        assert!(html.contains(r#"value="A&#38;B &#60;Widgets&#62;""#), "{html}");
        assert!(html.contains(r#"value="jane@gmail.com" required>"#), "{html}");
        assert!(html.contains(r#"<p class="error">Please use your business email address.</p>"#));
        assert!(html.contains(r#"<p class="error">Please agree to the Terms and Conditions.</p>"#));
        assert!(html.contains(r#"name="privacy_policy" type="checkbox" value="true" checked>"#), "{html}");
        assert!(html.contains(r#"name="terms" type="checkbox" value="true">"#), "{html}");
    }

    #[test]
    fn an_invitation_opens_sign_up_now_with_the_address_fixed() {
        let invitation = invitation();
        let errors = FieldErrors::new();
        let html = SignUpPage::new("/signup", Some(&invitation), None, &errors).render().unwrap();
        assert!(html.contains("<h1>Sign Up Now</h1>"), "{html}");
        assert!(html.contains("Globex &#60;Corp&#62; has invited Acme &#38; Sons to join as a Reseller partner."));
        assert!(html.contains(r#"<input type="hidden" name="invitation" value="tok&#60;en&#62;">"#), "{html}");
        assert!(html.contains(r#"name="email" type="email" value="p@acme.test" required readonly>"#), "{html}");
        assert!(html.contains(r#"name="business_name" type="text" value="Acme &#38; Sons" required>"#), "{html}");
    }
}
