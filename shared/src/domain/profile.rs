//! The Business Profile page: company details, contacts, and the version that keeps two
//! people's edits from silently overwriting each other. Also the partner's choice of the
//! customer it works on ("Make Business Active").

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::account::AccountKind;
use super::fields::{FieldErrors, Phone, Text, TextError, Website};
use super::ids::{BusinessId, UserId};

/// A postal address; every line is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    #[serde(default)]
    pub street: Option<String>,
    #[serde(default)]
    pub city: Option<String>,
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub postal_code: Option<String>,
    #[serde(default)]
    pub country: Option<String>,
}

/// A person to contact at the business.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub name: String,
    pub email: String,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
}

/// The profile of a business as stored on its `PROFILE` item: the fields every business has
/// since sign-up, and the sections edited on the Business Profile page.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BusinessProfile {
    pub business_id: BusinessId,
    pub kind: AccountKind,
    pub name: String,
    pub website: String,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub address: Address,
    #[serde(default)]
    pub industry: Option<String>,
    #[serde(default)]
    pub employee_count: Option<u32>,
    #[serde(default)]
    pub contacts: Vec<Contact>,
    /// Raised by every edit; 0 until the first.
    #[serde(default)]
    pub version: u64,
    #[serde(default)]
    pub updated_by: Option<UserId>,
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub updated_at: Option<OffsetDateTime>,
    /// The version whose name every partner's side of the links carries. A rename reaches
    /// up to 99 links in the transaction that saves the profile and the others just after
    /// it; while this is behind `version`, the next save gives every link the name again.
    /// Absent: every link carries the name.
    #[serde(default)]
    pub links_version: Option<u64>,
}

impl BusinessProfile {
    /// Whether some partner's side of a link may still show an older name.
    pub fn links_behind(&self) -> bool {
        self.links_version.is_some_and(|v| v < self.version)
    }
}

/// The editable sections of a profile, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileEdit {
    pub name: String,
    pub website: String,
    pub phone: Option<String>,
    pub address: Address,
    pub industry: Option<String>,
    pub employee_count: Option<u32>,
    pub contacts: Vec<Contact>,
}

/// The most contacts a profile keeps.
pub const MAX_CONTACTS: usize = 20;
/// The largest employee count accepted.
pub const MAX_EMPLOYEES: i64 = 10_000_000;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AddressForm {
    pub street: Option<String>,
    pub city: Option<String>,
    pub region: Option<String>,
    pub postal_code: Option<String>,
    pub country: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ContactForm {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub title: Option<String>,
}

/// The body of `PUT /business/profile`: every section, as the page shows it, and the
/// `version` the page was loaded at.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ProfileForm {
    pub version: Option<serde_json::Value>,
    pub name: Option<String>,
    pub website: Option<String>,
    pub phone: Option<String>,
    pub address: Option<AddressForm>,
    pub industry: Option<String>,
    pub employee_count: Option<serde_json::Value>,
    pub contacts: Option<Vec<ContactForm>>,
}

/// An optional single line: trimmed, empty is `None`.
fn optional_text(raw: Option<&str>, max: usize) -> Result<Option<String>, TextError> {
    match raw.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(value) => Text::parse(Some(value), max).map(|t| Some(t.to_string())),
    }
}

fn employee_count(raw: Option<&serde_json::Value>) -> Result<Option<u32>, String> {
    let message = format!("Enter a whole number of employees from 1 to {MAX_EMPLOYEES}, or leave it empty.");
    match raw {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(value) => value
            .as_i64()
            .filter(|n| (1..=MAX_EMPLOYEES).contains(n))
            .and_then(|n| u32::try_from(n).ok())
            .map(Some)
            .ok_or(message),
    }
}

impl TryFrom<&ProfileForm> for (u64, ProfileEdit) {
    type Error = FieldErrors;

    /// The expected version and the edit, or every field that is wrong, by its path
    /// (`address.city`, `contacts[0].email`).
    fn try_from(form: &ProfileForm) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let version = form.version.as_ref().and_then(serde_json::Value::as_u64);
        if version.is_none() {
            errors.add("version", "Send the version of the profile you edited (from GET /business/profile).");
        }
        let name = errors.check("name", Text::parse(form.name.as_deref(), 120));
        let website = errors.check("website", Website::parse(form.website.as_deref()));
        let phone = errors.check("phone", Phone::parse_optional(form.phone.as_deref())).flatten();
        let empty = AddressForm::default();
        let a = form.address.as_ref().unwrap_or(&empty);
        let address = Address {
            street: errors.check("address.street", optional_text(a.street.as_deref(), 200)).flatten(),
            city: errors.check("address.city", optional_text(a.city.as_deref(), 100)).flatten(),
            region: errors.check("address.region", optional_text(a.region.as_deref(), 100)).flatten(),
            postal_code: errors.check("address.postal_code", optional_text(a.postal_code.as_deref(), 20)).flatten(),
            country: errors.check("address.country", optional_text(a.country.as_deref(), 100)).flatten(),
        };
        let industry = errors.check("industry", optional_text(form.industry.as_deref(), 100)).flatten();
        let employee_count = errors.check("employee_count", employee_count(form.employee_count.as_ref())).flatten();
        let forms = form.contacts.as_deref().unwrap_or_default();
        if forms.len() > MAX_CONTACTS {
            errors.add("contacts", format!("Keep at most {MAX_CONTACTS} contacts."));
        }
        let mut contacts = Vec::new();
        for (i, c) in forms.iter().enumerate().take(MAX_CONTACTS) {
            let at = |field: &str| format!("contacts[{i}].{field}");
            let name = errors.check(&at("name"), Text::parse(c.name.as_deref(), 120));
            let email = c.email.as_deref().and_then(super::email::normalize_login_email);
            if email.is_none() {
                errors.add(&at("email"), "Enter an email address such as name@company.com.");
            }
            let phone = errors.check(&at("phone"), Phone::parse_optional(c.phone.as_deref())).flatten();
            let title = errors.check(&at("title"), optional_text(c.title.as_deref(), 100)).flatten();
            if let (Some(name), Some(email)) = (name, email) {
                contacts.push(Contact {
                    name: name.to_string(),
                    email,
                    phone: phone.map(|p| p.as_ref().to_owned()),
                    title,
                });
            }
        }
        match (version, name, website) {
            (Some(version), Some(name), Some(website)) if errors.is_empty() => Ok((
                version,
                ProfileEdit {
                    name: name.to_string(),
                    website: website.as_ref().to_owned(),
                    phone: phone.map(|p| p.as_ref().to_owned()),
                    address,
                    industry,
                    employee_count,
                    contacts,
                },
            )),
            _ => Err(errors),
        }
    }
}

/// The customer a partner user works on, until it picks another. Kept per user, so two
/// people of one partner can work on different customers, and across logins.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ActiveBusiness {
    pub user_id: UserId,
    pub business_id: BusinessId,
    #[serde(with = "time::serde::rfc3339")]
    pub chosen_at: OffsetDateTime,
}

/// How a business's name sorts and is searched in the admins' directory: trimmed, inner
/// runs of whitespace made one space, lower-cased (Unicode-aware), so "  ACME   Corp" and
/// "acme corp" are the same.
pub fn directory_name(name: &str) -> String {
    name.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn directory_names_ignore_case_and_extra_whitespace() {
        assert_eq!(directory_name("  ACME   Corp "), "acme corp");
        assert_eq!(directory_name("Ürün Ltd"), "ürün ltd");
        assert_eq!(directory_name(""), "");
    }

    fn form(value: serde_json::Value) -> ProfileForm {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn a_complete_profile_edit_parses() {
        let (version, edit) = <(u64, ProfileEdit)>::try_from(&form(json!({
            "version": 3, "name": " Globex ", "website": "globex.example", "industry": "Energy",
            "employee_count": 250, "address": {"city": "Springfield", "country": "US"},
            "contacts": [{"name": "Hank", "email": "Hank@Globex.example", "title": "CEO"}]
        })))
        .unwrap();
        assert_eq!(version, 3);
        assert_eq!(edit.name, "Globex");
        assert_eq!(edit.website, "https://globex.example/");
        assert_eq!(edit.address.city.as_deref(), Some("Springfield"));
        assert_eq!(edit.contacts[0].email, "hank@globex.example");
        assert_eq!(edit.employee_count, Some(250));
    }

    #[test]
    fn every_wrong_field_is_named_by_its_path() {
        let errors = <(u64, ProfileEdit)>::try_from(&form(json!({
            "name": "", "website": "nope", "employee_count": "many", "phone": "call me",
            "address": {"postal_code": "x".repeat(21)},
            "contacts": [{"name": "Ok", "email": "ok@x.example"}, {"name": "", "email": "not-an-email"}]
        })))
        .unwrap_err();
        for field in [
            "version",
            "name",
            "website",
            "employee_count",
            "phone",
            "address.postal_code",
            "contacts[1].name",
            "contacts[1].email",
        ] {
            assert!(errors.get(field).is_some(), "{field}: {errors:?}");
        }
        assert!(errors.get("contacts[0].email").is_none());
    }

    #[test]
    fn employee_counts_are_positive_whole_numbers_or_empty() {
        assert_eq!(employee_count(None), Ok(None));
        assert_eq!(employee_count(Some(&json!(null))), Ok(None));
        assert!(employee_count(Some(&json!(0))).is_err());
        assert!(employee_count(Some(&json!(1.5))).is_err());
        assert!(employee_count(Some(&json!(MAX_EMPLOYEES + 1))).is_err());
    }
}
