//! New passwords, as a person chooses them when setting or resetting a password.
//!
//! The rules are those of OWASP ASVS 5 (V6.2) and NIST SP 800-63B (5.1.1.2): a length between
//! [`MIN_PASSWORD_CHARS`] and [`MAX_PASSWORD_CHARS`] characters (Unicode code points, not
//! bytes), no composition rules (no "one digit, one symbol"), every character allowed and
//! nothing trimmed or truncated, and a check against common and guessable passwords. That
//! check is `zxcvbn`'s estimate, fed with what the portal knows of the person (their email
//! address, their business's name) so that a password made from those is refused too. The
//! crate is vendored (`vendor/zxcvbn`): upstream's estimate, without its regular-expression
//! engines and with its dictionaries deflated, so that the functions that set a password
//! stay small.
//!
//! The password is held as a [`SecretString`]: it is never printed, and leaves the type only
//! through [`NewPassword::expose`].

use secrecy::{ExposeSecret, SecretString};
use zxcvbn::{Score, zxcvbn};

/// The fewest characters a new password may have.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// The most characters a new password may have.
pub const MAX_PASSWORD_CHARS: usize = 128;

/// The lowest `zxcvbn` score accepted: 3 means an estimated 10^8 guesses or more, "safely
/// unguessable" against an online attack.
const MIN_SCORE: Score = Score::Three;

/// Context words shorter than this are not passed to `zxcvbn`: a fragment such as `co` or
/// `jd` would mark unrelated passwords as guessable.
const MIN_CONTEXT_WORD_CHARS: usize = 3;

/// A password that meets the rules, typed twice the same.
pub struct NewPassword(SecretString);

/// Why a new password was refused. Each message tells the person what to do about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("Use at least {min} characters.")]
    TooShort { min: usize },
    #[error("Use at most {max} characters.")]
    TooLong { max: usize },
    #[error("The two passwords do not match.")]
    Mismatch,
    #[error("This password is too common or easy to guess; try a longer phrase.")]
    TooCommon,
}

impl NewPassword {
    /// Checks `password` as typed, and that `confirm` is the same.
    ///
    /// `context` holds what the portal knows of the person, such as their email address and
    /// their business's name; a password built from it is refused as guessable. Each entry
    /// counts whole, squashed and word by word (`Acme Widgets` also gives `acmewidgets`,
    /// `acme` and `widgets`).
    ///
    /// # Errors
    /// In this order: [`PasswordError::TooShort`] below [`MIN_PASSWORD_CHARS`] characters,
    /// [`PasswordError::TooLong`] above [`MAX_PASSWORD_CHARS`], [`PasswordError::Mismatch`]
    /// when `confirm` differs, and [`PasswordError::TooCommon`] when `zxcvbn` scores it below
    /// 3 of 4.
    pub fn parse(password: &str, confirm: &str, context: &[&str]) -> Result<Self, PasswordError> {
        let chars = password.chars().count();
        if chars < MIN_PASSWORD_CHARS {
            return Err(PasswordError::TooShort { min: MIN_PASSWORD_CHARS });
        }
        if chars > MAX_PASSWORD_CHARS {
            return Err(PasswordError::TooLong { max: MAX_PASSWORD_CHARS });
        }
        if password != confirm {
            return Err(PasswordError::Mismatch);
        }
        let words = context_words(context);
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        if zxcvbn(password, &words).score() < MIN_SCORE {
            return Err(PasswordError::TooCommon);
        }
        Ok(Self(SecretString::from(password)))
    }

    /// The password as typed, for the one place it belongs: the identity provider.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

/// The words `zxcvbn` should treat as known to an attacker, lowercased: each context entry
/// whole, each side of an `@` as typed and squashed (`jane.doe` and `janedoe`), and each
/// alphanumeric word. Squashing catches the usual way a name becomes a password
/// (`Acme Widgets` → `acmewidgets`).
fn context_words(context: &[&str]) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    let mut add = |word: &str| {
        if word.chars().count() >= MIN_CONTEXT_WORD_CHARS && !words.iter().any(|w| w == word) {
            words.push(word.to_owned());
        }
    };
    for entry in context {
        let entry = entry.trim().to_lowercase();
        add(&entry);
        for part in entry.split('@') {
            add(part);
            add(&part.chars().filter(|c| c.is_alphanumeric()).collect::<String>());
        }
        for word in entry.split(|c: char| !c.is_alphanumeric()) {
            add(word);
        }
    }
    words
}

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword([REDACTED])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse(password: &str) -> Result<NewPassword, PasswordError> {
        NewPassword::parse(password, password, &[])
    }

    #[test]
    fn a_long_passphrase_is_accepted() {
        let password = parse("correct horse battery staple 42").unwrap();
        assert_eq!(password.expose(), "correct horse battery staple 42");
    }

    #[test]
    fn common_or_patterned_passwords_are_refused_as_too_common() {
        for password in ["password123456", "aaaaaaaaaaaa", "qwertyuiopas", "123456789012", "Password1234"] {
            assert_eq!(parse(password).unwrap_err(), PasswordError::TooCommon, "{password}");
        }
    }

    #[test]
    fn eleven_characters_are_too_short() {
        assert_eq!(parse("kq7#Vw2!pLz").unwrap_err(), PasswordError::TooShort { min: 12 });
    }

    #[test]
    fn twelve_unpredictable_characters_are_enough() {
        assert!(parse("kq7#Vw2!pLzR").is_ok());
    }

    #[test]
    fn one_hundred_and_twenty_nine_characters_are_too_long() {
        let password = "kq7#Vw2!pLzR".repeat(11)[..129].to_owned();
        assert_eq!(parse(&password).unwrap_err(), PasswordError::TooLong { max: 128 });
    }

    #[test]
    fn a_strong_password_of_one_hundred_and_twenty_eight_characters_is_accepted() {
        let password = "Vt3q#Lm9xR!e2WzK8p$ uNc4hY7&jGd1 sB6oF5@iQa0Tk^vZy3Hm|Xw9Lr2%Ep \
                        8Jn5Ud7*Sg4Kb1~Cf6Ow0(Yi3Mz9)Rl2 Pa5Hq8-Ve7Tx4+Nj1Dk6=Gs0Bu3;Qo8";
        assert_eq!(password.chars().count(), 128);
        assert!(parse(password).is_ok());
    }

    #[test]
    fn the_confirmation_must_match() {
        assert_eq!(
            NewPassword::parse("correct horse battery staple 42", "correct horse battery staple 43", &[]).unwrap_err(),
            PasswordError::Mismatch
        );
    }

    #[test]
    fn length_is_counted_in_characters_not_bytes() {
        // 11 characters, 22 bytes.
        assert_eq!(parse("äöüßéèêñçåø").unwrap_err(), PasswordError::TooShort { min: 12 });
        // 12 characters, 36 bytes.
        assert!(parse("緑の猫が月で静かに踊るよ").is_ok());
        // 128 characters, 256 bytes, is not too long; 129 characters is.
        let long: String = "äöüßéèêñçåøæœÿ".chars().cycle().take(129).collect();
        let longest: String = long.chars().take(128).collect();
        assert_eq!(longest.len(), 256);
        assert!(!matches!(parse(&longest), Err(PasswordError::TooLong { .. })));
        assert_eq!(parse(&long).unwrap_err(), PasswordError::TooLong { max: 128 });
    }

    #[test]
    fn nothing_is_trimmed_or_required_of_the_characters() {
        let password = parse("  all lowercase words, no digits at all  ").unwrap();
        assert_eq!(password.expose(), "  all lowercase words, no digits at all  ");
    }

    #[test]
    fn a_password_made_of_the_persons_own_details_is_refused() {
        let context = ["jane.doe@acme-widgets.com", "Acme Widgets"];
        for password in ["AcmeWidgets2024", "acme widgets jane", "jane.doe@acme-widgets.com"] {
            assert!(parse(password).is_ok(), "{password} is strong without context");
            assert_eq!(
                NewPassword::parse(password, password, &context).unwrap_err(),
                PasswordError::TooCommon,
                "{password}"
            );
        }
    }

    #[test]
    fn debug_never_prints_the_password() {
        let password = parse("correct horse battery staple 42").unwrap();
        let printed = format!("{password:?}");
        assert!(!printed.contains("correct horse"), "{printed}");
        assert_eq!(printed, "NewPassword([REDACTED])");
    }

    #[test]
    fn refusals_tell_the_person_what_to_do() {
        assert_eq!(PasswordError::TooShort { min: 12 }.to_string(), "Use at least 12 characters.");
        assert_eq!(PasswordError::TooLong { max: 128 }.to_string(), "Use at most 128 characters.");
        assert_eq!(PasswordError::Mismatch.to_string(), "The two passwords do not match.");
        assert_eq!(
            PasswordError::TooCommon.to_string(),
            "This password is too common or easy to guess; try a longer phrase."
        );
    }

    #[test]
    fn context_counts_whole_squashed_and_word_by_word() {
        assert_eq!(
            context_words(&["Jane.Doe@Acme.com", " Acme Widgets ", "", "J D"]),
            [
                "jane.doe@acme.com",
                "jane.doe",
                "janedoe",
                "acme.com",
                "acmecom",
                "jane",
                "doe",
                "acme",
                "com",
                "acme widgets",
                "acmewidgets",
                "widgets",
                "j d",
            ]
        );
    }

    proptest! {
        #[test]
        fn any_password_shorter_than_twelve_characters_is_too_short(
            password in proptest::collection::vec(any::<char>(), 0..MIN_PASSWORD_CHARS)
                .prop_map(String::from_iter),
            confirm in any::<String>(),
        ) {
            prop_assert_eq!(
                NewPassword::parse(&password, &confirm, &[]).unwrap_err(),
                PasswordError::TooShort { min: MIN_PASSWORD_CHARS }
            );
        }

        #[test]
        fn any_password_longer_than_128_characters_is_too_long(
            password in proptest::collection::vec(any::<char>(), 129..400)
                .prop_map(String::from_iter),
        ) {
            prop_assert_eq!(
                parse(&password).unwrap_err(),
                PasswordError::TooLong { max: MAX_PASSWORD_CHARS }
            );
        }

        #[test]
        fn a_confirmation_that_differs_is_a_mismatch(
            password in proptest::collection::vec(any::<char>(), 12..=128)
                .prop_map(String::from_iter),
            confirm in any::<String>(),
        ) {
            prop_assume!(password != confirm);
            prop_assert_eq!(
                NewPassword::parse(&password, &confirm, &[]).unwrap_err(),
                PasswordError::Mismatch
            );
        }
    }

    proptest! {
        // zxcvbn is slow in a debug build; a few dozen draws are enough here.
        #![proptest_config(ProptestConfig::with_cases(32))]

        #[test]
        fn an_accepted_password_is_kept_exactly_as_typed(
            password in proptest::collection::vec(any::<char>(), 12..=128)
                .prop_map(String::from_iter),
        ) {
            if let Ok(accepted) = parse(&password) {
                prop_assert_eq!(accepted.expose(), password.as_str());
                let printed = format!("{accepted:?}");
                prop_assert!(!printed.contains(&password));
            }
        }
    }
}
