//! Email addresses: the business address a partner signs up with ([`BusinessEmail`]) and the
//! looser normalisation used where any address must be accepted ([`normalize_login_email`]).
//!
//! Addresses are compared case-insensitively, so both forms are normalised before anything
//! else: NFKC (full-width and other compatibility forms become plain characters), trimmed,
//! lowercased whole, and an internationalised domain turned into its ASCII (Punycode) form by
//! IDNA. Two spellings of one address become one value, and one account; `ｇｍａｉｌ.com` is
//! `gmail.com`, and refused as free mail.
//! Syntax is checked by the `email_address` crate, without display names (`Jane <j@x.com>`)
//! or IP-literal domains, and with at least two labels in the domain.
//!
//! A business address must not belong to a free provider (the list shipped in
//! `shared/data/free_email_domains.txt`, from the npm package `free-email-domains`) nor to a
//! disposable one (`shared/data/disposable_email_domains.txt`, the list of the `mailchecker`
//! crate 6.0.21, MIT-licensed). The build packs both into deflated blocks
//! (`domain::packed_list`): a function carries a third of their text and unpacks one block
//! of 8 KiB per lookup, nothing at start-up. The packed free-mail list leaves out the
//! domains the disposable check refuses first (more than a quarter of it).
//!
//! A business address becomes a Cognito username, so it must also be one Cognito accepts, or
//! the request would pass here and fail at approval. Cognito's usernames are at most 128
//! characters, and it checks an email username with a rule it does not publish, stricter than
//! RFC 5321 (`a/b@corp.example` is refused). So a business address keeps to the subset every
//! email check accepts, the emulator's included: letters, digits and `._%+-` before the `@`,
//! and a top-level domain of letters ([`is_identity_compatible`]).

use std::fmt;

use email_address::{EmailAddress, Options};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::packed_list::{DISPOSABLE_DOMAINS, FREE_MAIL_DOMAINS};
use super::suffixes::with_parents;

/// The longest address accepted, in bytes: a forward path of 256 octets (RFC 5321, 4.5.3.1.3)
/// less its angle brackets.
pub const MAX_EMAIL_LENGTH: usize = 254;

/// The longest business address: Cognito usernames are at most 128 characters (the
/// `Username` of AdminCreateUser), and a business address is one.
pub const MAX_ACCOUNT_EMAIL_LENGTH: usize = 128;

/// What the syntax check allows: `name@host.tld` and nothing more exotic.
const SYNTAX: Options = Options { minimum_sub_domains: 2, allow_domain_literal: false, allow_display_text: false };

/// A syntactically valid, lowercased email address at a domain that is neither a free nor a
/// disposable email provider.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BusinessEmail(String);

/// Why an address was refused as a business email address. Each message tells the person
/// what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("Please enter your email address.")]
    Empty,
    #[error("This is not a valid email address; please check it for typos (it should look like name@company.com).")]
    Invalid,
    #[error(
        "This email address is too long; please use one of at most {max} characters.",
        max = MAX_ACCOUNT_EMAIL_LENGTH
    )]
    TooLong,
    #[error(
        "This email address cannot be used for an account; please use one with only letters, digits, dots, \
         hyphens, underscores, plus or percent signs before the @."
    )]
    Unsupported,
    #[error("Please use your business email address; free email providers such as {domain} are not accepted.")]
    FreeMail { domain: String },
    #[error(
        "Please use your business email address; disposable email addresses such as those at {domain} are not accepted."
    )]
    Disposable { domain: String },
}

impl BusinessEmail {
    /// Trims and lowercases `raw`, then checks its syntax, its length (at most
    /// [`MAX_ACCOUNT_EMAIL_LENGTH`] bytes), that the identity provider accepts it as a
    /// username, and its domain.
    ///
    /// # Errors
    /// [`EmailError::Empty`] for a blank input, [`EmailError::TooLong`], [`EmailError::Invalid`]
    /// for bad syntax, [`EmailError::Unsupported`] for a well-formed address Cognito would
    /// refuse, [`EmailError::Disposable`] for a disposable domain (or a subdomain of one) and
    /// [`EmailError::FreeMail`] for a free provider's domain, matched exactly.
    pub fn parse(raw: &str) -> Result<Self, EmailError> {
        let address = normalize(raw)?;
        if address.len() > MAX_ACCOUNT_EMAIL_LENGTH {
            return Err(EmailError::TooLong);
        }
        if !is_identity_compatible(&address) {
            return Err(EmailError::Unsupported);
        }
        let domain = domain_of(&address);
        // Disposable first: the free-mail list includes many disposable domains too, and
        // "disposable" is the more precise reason.
        if is_disposable(domain) {
            return Err(EmailError::Disposable { domain: domain.to_owned() });
        }
        if FREE_MAIL_DOMAINS.contains(domain) {
            return Err(EmailError::FreeMail { domain: domain.to_owned() });
        }
        Ok(Self(address))
    }

    /// The part after the `@`, lowercased.
    pub fn domain(&self) -> &str {
        domain_of(&self.0)
    }
}

/// Trims and lowercases an address typed at login or in a forgot-password form, and checks
/// only its syntax and length: there any well-formed address is accepted, whatever its
/// domain, so that the answer never reveals which addresses or domains have an account.
/// `None` when the input is blank, too long or not an address.
pub fn normalize_login_email(raw: &str) -> Option<String> {
    normalize(raw).ok()
}

/// Longer input is refused before it is normalised (normalising never shortens an address
/// by more than this factor: a full-width character is three bytes, its ASCII form one).
const MAX_RAW_EMAIL_BYTES: usize = 4 * MAX_EMAIL_LENGTH;

fn normalize(raw: &str) -> Result<String, EmailError> {
    if raw.len() > MAX_RAW_EMAIL_BYTES {
        return Err(EmailError::TooLong);
    }
    // NFKC first: compatibility forms (full-width `ｇｍａｉｌ．ｃｏｍ`, ligatures, circled
    // letters) become the characters they stand for, so they cannot pass for another domain.
    let composed = icu_normalizer::ComposingNormalizerBorrowed::new_nfkc().normalize(raw);
    let address = composed.trim().to_lowercase();
    if address.is_empty() {
        return Err(EmailError::Empty);
    }
    let address = ascii_domain(address)?;
    if address.len() > MAX_EMAIL_LENGTH {
        return Err(EmailError::TooLong);
    }
    EmailAddress::parse_with_options(&address, SYNTAX).map_err(|_| EmailError::Invalid)?;
    Ok(address)
}

/// The address with an internationalised domain in its ASCII form (IDNA/UTS 46 to
/// Punycode: `bücher.de` is `xn--bcher-kva.de`), so one domain has one spelling whatever
/// way it was typed, and the free-mail and disposable lists (ASCII) see the domain that mail
/// goes to.
fn ascii_domain(address: String) -> Result<String, EmailError> {
    match address.rsplit_once('@') {
        Some((local, domain)) if !domain.is_ascii() => {
            let ascii = idna::domain_to_ascii(domain).map_err(|_| EmailError::Invalid)?;
            Ok(format!("{local}@{ascii}"))
        }
        _ => Ok(address),
    }
}

/// Whether Cognito takes a (lowercased, well-formed) address as an email username: a local
/// part of letters, digits and `._%+-` that starts with a letter, a digit or `_`, a domain of
/// letters, digits, dots and hyphens, and a top-level domain of at least two letters. No
/// quoted local parts, no other symbols.
pub fn is_identity_compatible(address: &str) -> bool {
    let Some((local, domain)) = address.split_once('@') else {
        return false;
    };
    let local_ok = local.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
        && local.bytes().all(|b| b.is_ascii_alphanumeric() || b"._%+-".contains(&b));
    let domain_ok = domain.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
    let tld_ok = domain
        .rsplit_once('.')
        .is_some_and(|(host, tld)| !host.is_empty() && tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphabetic()));
    local_ok && domain_ok && tld_ok
}

/// The domain of an address that passed the syntax check. The last `@` separates it: a
/// quoted local part may contain one, a domain never does.
fn domain_of(address: &str) -> &str {
    address.rsplit_once('@').map_or("", |(_, domain)| domain)
}

/// Whether `domain` or one of its parent domains (never the bare top-level domain) is
/// disposable, as `mailchecker` decides it: `x@ok.33mail.com` is as disposable as
/// `x@33mail.com`.
pub(super) fn is_disposable(domain: &str) -> bool {
    with_parents(domain).any(|candidate| DISPOSABLE_DOMAINS.contains(candidate))
}

impl AsRef<str> for BusinessEmail {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for BusinessEmail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for BusinessEmail {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

/// Goes through [`BusinessEmail::parse`], so a stored or received value is checked again.
impl<'de> Deserialize<'de> for BusinessEmail {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Self::parse(&raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The shipped free-mail list as published, with the entries the packed list leaves out
    /// because the disposable list refuses them.
    fn free_domains() -> Vec<String> {
        let text = include_str!("../../data/free_email_domains.txt");
        text.lines().filter(|line| !line.starts_with('#')).map(str::to_owned).collect()
    }

    #[test]
    fn a_business_address_is_accepted() {
        let email = BusinessEmail::parse("jane.doe@acme-widgets.com").unwrap();
        assert_eq!(email.as_ref(), "jane.doe@acme-widgets.com");
        assert_eq!(email.to_string(), "jane.doe@acme-widgets.com");
    }

    #[test]
    fn an_address_is_trimmed_and_lowercased_whole() {
        let email = BusinessEmail::parse("  \tJane.Doe+Sales@ACME-Widgets.COM \n").unwrap();
        assert_eq!(email.as_ref(), "jane.doe+sales@acme-widgets.com");
    }

    #[test]
    fn two_spellings_of_one_address_are_equal() {
        let a = BusinessEmail::parse("Jane@Acme.com").unwrap();
        let b = BusinessEmail::parse(" jane@ACME.COM").unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn the_domain_is_the_part_after_the_at_sign() {
        let email = BusinessEmail::parse("Jane@Sales.Acme-Widgets.co.uk").unwrap();
        assert_eq!(email.domain(), "sales.acme-widgets.co.uk");
    }

    #[test]
    fn the_domain_of_a_quoted_local_part_with_an_at_sign_is_still_the_host() {
        assert_eq!(domain_of(r#""jane@home"@acme-widgets.com"#), "acme-widgets.com");
    }

    #[test]
    fn well_formed_addresses_the_identity_provider_refuses_are_unsupported() {
        for raw in [
            "a/b@corp.example",
            r#""jane@home"@acme-widgets.com"#,
            r#""jane doe"@acme-widgets.com"#,
            "jane!doe@acme-widgets.com",
            "jane#doe@acme-widgets.com",
            "jane'o@acme-widgets.com",
            "jane{doe}@acme-widgets.com",
            "jane~doe@acme-widgets.com",
            "jane=doe@acme-widgets.com",
            "-jane@acme-widgets.com",
            "+jane@acme-widgets.com",
            "jane@acme-widgets.c0m",
            "jane@acme-widgets.xn--p1ai",
        ] {
            assert_eq!(BusinessEmail::parse(raw), Err(EmailError::Unsupported), "{raw}");
        }
    }

    #[test]
    fn the_common_symbols_before_the_at_sign_are_accepted() {
        for raw in ["jane.doe@acme-widgets.com", "jane_doe@acme-widgets.com", "jane+sales@acme-widgets.com"] {
            assert!(BusinessEmail::parse(raw).is_ok(), "{raw}");
        }
        assert!(BusinessEmail::parse("jane%ops@acme-widgets.com").is_ok());
        assert!(BusinessEmail::parse("jane-doe@sales.acme-widgets.co.uk").is_ok());
    }

    #[test]
    fn a_full_width_free_mail_domain_is_refused_as_free_mail() {
        for raw in ["ada@ｇｍａｉｌ.com", "ada@ｇｍａｉｌ．ｃｏｍ", "ａｄａ＠gmail.com"] {
            assert_eq!(BusinessEmail::parse(raw), Err(EmailError::FreeMail { domain: "gmail.com".into() }), "{raw}");
        }
    }

    #[test]
    fn an_internationalised_domain_is_kept_in_its_ascii_form() {
        let email = BusinessEmail::parse("Jane@Bücher-Firma.de").unwrap();
        assert_eq!(email.as_ref(), "jane@xn--bcher-firma-thb.de");
        assert_eq!(BusinessEmail::parse("jane@xn--bcher-firma-thb.de").unwrap(), email, "one domain, one spelling");
        assert_eq!(normalize_login_email("ｊａｎｅ@bücher-firma.de").as_deref(), Some("jane@xn--bcher-firma-thb.de"));
    }

    #[test]
    fn an_address_that_no_normalisation_can_bring_under_the_limit_is_refused_unread() {
        assert_eq!(BusinessEmail::parse(&"ａ".repeat(400)), Err(EmailError::TooLong));
    }

    #[test]
    fn a_blank_address_is_refused_as_empty() {
        assert_eq!(BusinessEmail::parse(""), Err(EmailError::Empty));
        assert_eq!(BusinessEmail::parse(" \t\n "), Err(EmailError::Empty));
    }

    #[test]
    fn malformed_addresses_are_refused_as_invalid() {
        for raw in [
            "jane",
            "jane@",
            "@acme.com",
            "jane@@acme.com",
            "jane doe@acme.com",
            "jane..doe@acme.com",
            "jane@acme..com",
            "jane@-acme.com",
            "jane@localhost",
            "jane@[192.168.0.1]",
            "Jane Doe <jane@acme.com>",
            "<jane@acme.com>",
            "jane@acme.com, joe@acme.com",
        ] {
            assert_eq!(BusinessEmail::parse(raw), Err(EmailError::Invalid), "{raw}");
        }
    }

    #[test]
    fn a_business_address_of_128_bytes_is_accepted_and_one_of_129_is_too_long() {
        // Cognito's usernames stop at 128 characters. 1 + 1 + 126 bytes: two 58-character
        // labels and a 9-byte tail.
        let domain = format!("{0}.{0}.acme.com", "x".repeat(58));
        let longest = format!("a@{domain}");
        assert_eq!(longest.len(), 128);
        assert!(BusinessEmail::parse(&longest).is_ok());

        let too_long = format!("ab@{domain}");
        assert_eq!(BusinessEmail::parse(&too_long), Err(EmailError::TooLong));
    }

    #[test]
    fn a_login_address_may_be_as_long_as_any_address() {
        // 1 + 1 + 252 bytes: three 63-character labels and a 60-byte tail.
        let domain = format!("{0}.{0}.{0}.{1}.com", "x".repeat(63), "y".repeat(56));
        assert_eq!(normalize_login_email(&format!("a@{domain}")).map(|a| a.len()), Some(254));
        assert_eq!(normalize_login_email(&format!("ab@{domain}")), None);
    }

    #[test]
    fn the_big_free_providers_are_refused_as_free_mail() {
        for domain in [
            "gmail.com",
            "googlemail.com",
            "outlook.com",
            "hotmail.com",
            "live.com",
            "yahoo.com",
            "aol.com",
            "icloud.com",
            "proton.me",
            "protonmail.com",
            "gmx.de",
        ] {
            assert_eq!(
                BusinessEmail::parse(&format!("jane@{domain}")),
                Err(EmailError::FreeMail { domain: domain.to_owned() }),
            );
        }
    }

    #[test]
    fn a_free_provider_is_refused_whatever_its_case() {
        assert_eq!(
            BusinessEmail::parse(" Jane.Doe@GMail.COM "),
            Err(EmailError::FreeMail { domain: "gmail.com".to_owned() }),
        );
    }

    #[test]
    fn the_free_mail_lookup_is_exact_on_the_domain() {
        assert!(BusinessEmail::parse("jane@gmailconsulting-partners.com").is_ok());
        assert!(BusinessEmail::parse("jane@gmail.com.acme-widgets.com").is_ok());
    }

    #[test]
    fn disposable_domains_are_refused_as_disposable() {
        for domain in ["mailinator.com", "yopmail.com", "guerrillamail.com"] {
            assert_eq!(
                BusinessEmail::parse(&format!("jane@{domain}")),
                Err(EmailError::Disposable { domain: domain.to_owned() }),
            );
        }
    }

    #[test]
    fn the_whole_disposable_list_is_shipped() {
        let domains = DISPOSABLE_DOMAINS.lines().len();
        assert!(domains > 50_000, "{domains} domains");
    }

    #[test]
    fn a_subdomain_of_a_disposable_domain_is_disposable_too() {
        assert_eq!(
            BusinessEmail::parse("jane@ok.33mail.com"),
            Err(EmailError::Disposable { domain: "ok.33mail.com".to_owned() }),
        );
    }

    #[test]
    fn every_listed_free_domain_is_refused() {
        for domain in free_domains() {
            let refused = BusinessEmail::parse(&format!("jane@{domain}"));
            assert!(
                matches!(
                    &refused,
                    Err(EmailError::FreeMail { domain: d } | EmailError::Disposable { domain: d })
                        if *d == domain
                ),
                "{domain}: {refused:?}",
            );
        }
    }

    #[test]
    fn the_shipped_list_is_lowercase_and_holds_the_big_providers() {
        assert!(free_domains().len() > 10_000);
        assert!(free_domains().iter().all(|d| *d == d.to_lowercase() && !d.contains(char::is_whitespace)));
        for domain in ["gmail.com", "outlook.com", "yahoo.com", "icloud.com", "proton.me"] {
            assert!(FREE_MAIL_DOMAINS.contains(domain), "{domain}");
        }
    }

    #[test]
    fn refusals_tell_the_person_what_to_do() {
        let free = BusinessEmail::parse("jane@gmail.com").unwrap_err().to_string();
        assert_eq!(
            free,
            "Please use your business email address; free email providers such as gmail.com \
             are not accepted."
        );
        let disposable = BusinessEmail::parse("jane@mailinator.com").unwrap_err();
        assert!(disposable.to_string().contains("business email address"));
        assert!(EmailError::TooLong.to_string().contains("128"));
        assert!(EmailError::Unsupported.to_string().contains("before the @"));
        assert!(EmailError::Invalid.to_string().contains("name@company.com"));
    }

    #[test]
    fn serializes_as_a_plain_string() {
        let email = BusinessEmail::parse("jane@acme-widgets.com").unwrap();
        assert_eq!(serde_json::to_string(&email).unwrap(), r#""jane@acme-widgets.com""#);
    }

    #[test]
    fn deserializing_goes_through_parse() {
        let email: BusinessEmail = serde_json::from_str(r#"" Jane@ACME-Widgets.com ""#).unwrap();
        assert_eq!(email.as_ref(), "jane@acme-widgets.com");

        let refused = serde_json::from_str::<BusinessEmail>(r#""jane@gmail.com""#).unwrap_err();
        assert!(refused.to_string().contains("free email providers"), "{refused}");
    }

    #[test]
    fn login_emails_accept_any_well_formed_address() {
        assert_eq!(normalize_login_email("  Jane@GMail.com "), Some("jane@gmail.com".to_owned()));
        assert_eq!(normalize_login_email("jane@mailinator.com"), Some("jane@mailinator.com".to_owned()));
    }

    #[test]
    fn login_emails_refuse_what_is_not_an_address() {
        assert_eq!(normalize_login_email(""), None);
        assert_eq!(normalize_login_email("   "), None);
        assert_eq!(normalize_login_email("jane"), None);
        assert_eq!(normalize_login_email("Jane <jane@acme.com>"), None);
        assert_eq!(normalize_login_email(&format!("a@{}.com", "x".repeat(251))), None);
    }

    /// A dot-atom local part: words joined by single separators.
    fn local_part() -> impl Strategy<Value = String> {
        "[a-z0-9]{1,12}([._+-][a-z0-9]{1,12}){0,3}"
    }

    /// Plausible company domains, leaving out the rare draw that is a listed provider: the
    /// properties below are about normalisation, not about the lists.
    fn business_domain() -> impl Strategy<Value = String> {
        "([a-z][a-z0-9]{1,10}\\.)?[a-z][a-z0-9]{2,14}(-[a-z0-9]{2,10})?\\.(com|io|de|fr|co\\.uk|org|net)"
            .prop_filter("a listed provider", |domain| !FREE_MAIL_DOMAINS.contains(domain) && !is_disposable(domain))
    }

    fn business_address() -> impl Strategy<Value = String> {
        (local_part(), business_domain()).prop_map(|(local, domain)| format!("{local}@{domain}"))
    }

    /// The email-username check of the emulator (moto's `FORMATS["email"]`, applied with
    /// `re.fullmatch`), written out independently of [`is_identity_compatible`]:
    /// `\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Z|a-z]{2,}\b`, at most 128 characters. The
    /// leading `\b` wants a word character (letter, digit, `_`) first.
    fn cognito_takes(address: &str) -> bool {
        let Some(at) = address.find('@') else { return false };
        let (local, rest) = (&address[..at], &address[at + 1..]);
        let Some(dot) = rest.rfind('.') else { return false };
        let (host, tld) = (&rest[..dot], &rest[dot + 1..]);
        address.chars().count() <= 128
            && local.chars().next().is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
            && local.chars().all(|c| c.is_ascii_alphanumeric() || "._%+-".contains(c))
            && !host.is_empty()
            && host.chars().all(|c| c.is_ascii_alphanumeric() || ".-".contains(c))
            && tld.len() >= 2
            && tld.chars().all(|c| c.is_ascii_alphabetic() || c == '|')
    }

    proptest! {
        #[test]
        fn every_business_address_is_one_the_identity_provider_takes(
            local in "[ -~]{1,40}",
            domain in prop_oneof![business_domain(), "[ -~]{1,30}\\.[a-z0-9-]{1,6}"],
        ) {
            let raw = format!("{local}@{domain}");
            match BusinessEmail::parse(&raw) {
                Ok(email) => prop_assert!(cognito_takes(email.as_ref()), "{:?}", email),
                Err(EmailError::Unsupported) => {
                    let normal = normalize_login_email(&raw).unwrap();
                    prop_assert!(!cognito_takes(&normal) || normal.len() > 128, "{:?}", normal);
                }
                Err(_) => {}
            }
        }

        #[test]
        fn any_address_at_a_listed_free_domain_is_refused(
            local in local_part(),
            domain in proptest::sample::select(free_domains()),
        ) {
            let refused = BusinessEmail::parse(&format!("{local}@{domain}"));
            prop_assert!(
                matches!(
                    &refused,
                    Err(EmailError::FreeMail { domain: d } | EmailError::Disposable { domain: d })
                        if *d == domain
                ),
                "{:?}",
                refused
            );
        }

        #[test]
        fn a_business_address_round_trips(address in business_address()) {
            let email = BusinessEmail::parse(&address).unwrap();
            prop_assert_eq!(email.as_ref(), address.as_str());
            prop_assert_eq!(BusinessEmail::parse(email.as_ref()), Ok(email.clone()));
            let json = serde_json::to_string(&email).unwrap();
            prop_assert_eq!(serde_json::from_str::<BusinessEmail>(&json).unwrap(), email);
        }

        #[test]
        fn case_and_surrounding_whitespace_do_not_matter(
            address in business_address(),
            upper in proptest::collection::vec(any::<bool>(), 80),
            before in "[ \t\r\n]{0,3}",
            after in "[ \t\r\n]{0,3}",
        ) {
            let shouted: String = address
                .chars()
                .zip(upper.iter().chain(std::iter::repeat(&false)))
                .map(|(c, &up)| if up { c.to_ascii_uppercase() } else { c })
                .collect();
            let typed = format!("{before}{shouted}{after}");
            prop_assert_eq!(BusinessEmail::parse(&typed), BusinessEmail::parse(&address));
            prop_assert_eq!(normalize_login_email(&typed), Some(address));
        }

        #[test]
        fn parsing_any_string_never_panics_and_what_passes_is_normalised(
            raw in prop_oneof![any::<String>(), "\\PC{0,70}@\\PC{0,70}", "[ -~]{0,30}@[ -~]{0,30}"],
        ) {
            if let Ok(email) = BusinessEmail::parse(&raw) {
                let address = email.as_ref();
                prop_assert_eq!(address, address.trim());
                prop_assert_eq!(address.to_lowercase(), address);
                prop_assert!(address.len() <= MAX_ACCOUNT_EMAIL_LENGTH);
                prop_assert!(cognito_takes(address), "Cognito would refuse {:?}", address);
                prop_assert_eq!(BusinessEmail::parse(address), Ok(email.clone()));
                let login = normalize_login_email(&raw);
                prop_assert_eq!(login.as_deref(), Some(address));
            }
            if let Some(address) = normalize_login_email(&raw) {
                prop_assert_eq!(normalize_login_email(&address), Some(address.clone()));
            }
        }
    }
}
