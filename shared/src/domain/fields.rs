//! Validated form fields and the per-field error map that 422 responses carry.

use std::collections::BTreeMap;

use serde::Serialize;

/// Field name → what is wrong with it, in words the person can act on.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct FieldErrors(BTreeMap<String, String>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.entry(field.to_owned()).or_insert_with(|| message.into());
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }

    /// Each field and what is wrong with it, by field name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(field, message)| (field.as_str(), message.as_str()))
    }

    pub fn single(field: &str, message: impl Into<String>) -> Self {
        let mut errors = Self::new();
        errors.add(field, message);
        errors
    }

    /// Records the error of a field that failed to parse and returns its value if it parsed.
    pub fn check<T, E: std::fmt::Display>(&mut self, field: &str, parsed: Result<T, E>) -> Option<T> {
        parsed.map_err(|e| self.add(field, e.to_string())).ok()
    }

    /// `Ok(value)` when nothing was recorded.
    pub fn into_result<T>(self, value: impl FnOnce() -> T) -> Result<T, FieldErrors> {
        if self.is_empty() { Ok(value()) } else { Err(self) }
    }
}

/// Why a free-text field was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TextError {
    #[error("This field is required.")]
    Required,
    #[error("Use at most {0} characters.")]
    TooLong(usize),
    #[error("This field contains characters that are not allowed.")]
    ControlCharacters,
    #[error(
        "This name contains invisible formatting characters (such as right-to-left marks or zero-width spaces); \
         please type it again without them."
    )]
    FormatCharacters,
    #[error("Enter a website address such as https://example.com.")]
    Website,
    #[error("Enter a phone number of 7 to 20 digits, optionally with +, spaces, dashes or brackets.")]
    Phone,
}

/// A required single-line text: trimmed, not empty, at most `max` characters, no control
/// characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Text(String);

impl Text {
    pub fn parse(raw: Option<&str>, max: usize) -> Result<Self, TextError> {
        let value = raw.map(str::trim).unwrap_or_default();
        if value.is_empty() {
            return Err(TextError::Required);
        }
        if value.chars().count() > max {
            return Err(TextError::TooLong(max));
        }
        if value.chars().any(char::is_control) {
            return Err(TextError::ControlCharacters);
        }
        Ok(Self(value.to_owned()))
    }
}

impl Text {
    /// A name (of a person or a business): a [`Text`] without Unicode format characters
    /// (general category `Cf`: bidirectional controls such as U+202E, zero-width spaces and
    /// joiners, soft hyphens), which make a name display as something other than what it
    /// is, or two names look alike while they differ.
    pub fn name(raw: Option<&str>, max: usize) -> Result<Self, TextError> {
        let text = Self::parse(raw, max)?;
        if text.0.chars().any(is_format_character) {
            return Err(TextError::FormatCharacters);
        }
        Ok(text)
    }
}

/// Whether `c` is a Unicode format character (general category `Cf`).
pub fn is_format_character(c: char) -> bool {
    use icu_properties::CodePointMapData;
    use icu_properties::props::GeneralCategory;
    CodePointMapData::<GeneralCategory>::new().get(c) == GeneralCategory::Format
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The longest website address kept once normalised (`https://` added, non-ASCII
/// percent-encoded); what is typed is at most 200 characters.
pub const MAX_WEBSITE_URL: usize = 2048;

/// A business website, `http(s)` only; `example.com` is read as `https://example.com`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Website(String);

impl Website {
    pub fn parse(raw: Option<&str>) -> Result<Self, TextError> {
        let text = Text::parse(raw, 200)?;
        let candidate = if text.0.contains("://") { text.0 } else { format!("https://{}", text.0) };
        let url = url::Url::parse(&candidate).map_err(|_| TextError::Website)?;
        let host_ok = url.host_str().is_some_and(|h| h.contains('.') && !h.starts_with('.'));
        // Normalising percent-encodes what is not ASCII: bound what is stored and shown.
        if !matches!(url.scheme(), "http" | "https") || !host_ok || url.as_str().len() > MAX_WEBSITE_URL {
            return Err(TextError::Website);
        }
        Ok(Self(url.to_string()))
    }
}

impl AsRef<str> for Website {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// An optional phone number as people type them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Phone(String);

impl Phone {
    /// `Ok(None)` for an empty field.
    pub fn parse_optional(raw: Option<&str>) -> Result<Option<Self>, TextError> {
        let value = raw.map(str::trim).unwrap_or_default();
        if value.is_empty() {
            return Ok(None);
        }
        let digits = value.chars().filter(char::is_ascii_digit).count();
        let allowed = value.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c));
        if !allowed || !(7..=20).contains(&digits) || value.len() > 30 {
            return Err(TextError::Phone);
        }
        Ok(Some(Self(value.to_owned())))
    }
}

impl AsRef<str> for Phone {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_and_required() {
        assert_eq!(Text::parse(Some("  Acme  "), 10).unwrap().as_ref(), "Acme");
        assert_eq!(Text::parse(Some("   "), 10), Err(TextError::Required));
        assert_eq!(Text::parse(None, 10), Err(TextError::Required));
        assert_eq!(Text::parse(Some("abcdefghijk"), 10), Err(TextError::TooLong(10)));
        assert_eq!(Text::parse(Some("a\u{0}b"), 10), Err(TextError::ControlCharacters));
    }

    #[test]
    fn names_refuse_bidi_and_zero_width_characters_with_a_clear_message() {
        for raw in [
            "Acme\u{202E}gnp.exe",
            "Ac\u{200B}me",
            "Acme\u{200D}",
            "\u{2066}Acme\u{2069}",
            "Ac\u{00AD}me",
            "\u{FEFF}Acme",
        ] {
            let refused = Text::name(Some(raw), 120);
            assert_eq!(refused, Err(TextError::FormatCharacters), "{raw:?}");
            assert!(TextError::FormatCharacters.to_string().contains("invisible formatting characters"));
        }
        for raw in ["Zoë Müller-Łukasiewicz", "株式会社アクメ", "O'Brien & Sons", "Ελληνικά"] {
            assert_eq!(Text::name(Some(raw), 120).unwrap().as_ref(), raw);
        }
        // Other free text keeps them (a zero-width joiner belongs in some emoji and scripts).
        assert!(Text::parse(Some("Ac\u{200D}me"), 120).is_ok());
    }

    #[test]
    fn a_website_without_scheme_is_read_as_https() {
        assert_eq!(Website::parse(Some("acme.io")).unwrap().as_ref(), "https://acme.io/");
        assert!(Website::parse(Some("javascript:alert(1)")).is_err());
        assert!(Website::parse(Some("localhost")).is_err());
    }

    #[test]
    fn a_website_is_at_most_2048_characters_once_normalised() {
        // 200 typed characters of four-byte letters become 2400 percent-encoded ones.
        let typed = format!("acme.io/{}", "𝔸".repeat(192));
        assert_eq!(Website::parse(Some(&typed)), Err(TextError::Website));
        let fits = format!("acme.io/{}", "𝔸".repeat(150));
        assert!(Website::parse(Some(&fits)).unwrap().as_ref().len() <= MAX_WEBSITE_URL);
    }

    #[test]
    fn phones_are_optional_but_must_look_like_phones() {
        assert_eq!(Phone::parse_optional(Some("")), Ok(None));
        assert!(Phone::parse_optional(Some("+1 (555) 010-0100")).unwrap().is_some());
        assert_eq!(Phone::parse_optional(Some("call me")), Err(TextError::Phone));
        assert_eq!(Phone::parse_optional(Some("123")), Err(TextError::Phone));
    }

    #[test]
    fn the_first_error_of_a_field_is_kept() {
        let mut errors = FieldErrors::new();
        errors.add("email", "first");
        errors.add("email", "second");
        assert_eq!(errors.get("email"), Some("first"));
    }
}
