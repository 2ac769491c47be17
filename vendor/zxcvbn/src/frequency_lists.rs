//! The ranked dictionaries: `data/*.txt`, one word a line, most common first. `build.rs`
//! deflates each list into the binary (389 KB instead of 793 KB of text); the first
//! estimate inflates them (a few milliseconds, once) into the same ranked maps as upstream.

use std::collections::HashMap;

#[derive(Copy, Clone, Debug, Eq, PartialEq, Hash, Default)]
#[cfg_attr(feature = "ser", derive(serde::Deserialize, serde::Serialize))]
pub enum DictionaryType {
    #[default]
    Passwords,
    English,
    FemaleNames,
    MaleNames,
    Surnames,
    UsTvAndFilm,
    UserInputs,
}

include!(concat!(env!("OUT_DIR"), "/frequency_lists.rs"));

/// The words of a deflated list, in rank order. The text is inflated once and kept for the
/// life of the process, as upstream's `&'static str` lists are.
fn words(deflated: &[u8]) -> impl Iterator<Item = &'static str> {
    let text = miniz_oxide::inflate::decompress_to_vec(deflated)
        .expect("a list deflated by build.rs inflates");
    let text: &'static str = Box::leak(
        String::from_utf8(text)
            .expect("a list checked by build.rs is UTF-8")
            .into_boxed_str(),
    );
    text.lines()
}

fn ranked(deflated: &[u8]) -> HashMap<&'static str, usize> {
    words(deflated)
        .enumerate()
        .map(|(i, x)| (x, i + 1))
        .collect()
}

lazy_static! {
    pub(crate) static ref RANKED_DICTIONARIES: HashMap<DictionaryType, HashMap<&'static str, usize>> = {
        let mut dicts = HashMap::with_capacity(6);
        dicts.insert(DictionaryType::Passwords, ranked(PASSWORDS));
        dicts.insert(DictionaryType::English, ranked(ENGLISH_WIKIPEDIA));
        dicts.insert(DictionaryType::FemaleNames, ranked(FEMALE_NAMES));
        dicts.insert(DictionaryType::MaleNames, ranked(MALE_NAMES));
        dicts.insert(DictionaryType::Surnames, ranked(SURNAMES));
        dicts.insert(DictionaryType::UsTvAndFilm, ranked(US_TV_AND_FILM));
        dicts
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_list_inflates_to_its_text_in_rank_order() {
        for (deflated, text, len) in [
            (PASSWORDS, include_str!("../data/passwords.txt"), 30_000),
            (
                ENGLISH_WIKIPEDIA,
                include_str!("../data/english_wikipedia.txt"),
                30_000,
            ),
            (
                FEMALE_NAMES,
                include_str!("../data/female_names.txt"),
                3_712,
            ),
            (MALE_NAMES, include_str!("../data/male_names.txt"), 983),
            (SURNAMES, include_str!("../data/surnames.txt"), 10_000),
            (
                US_TV_AND_FILM,
                include_str!("../data/us_tv_and_film.txt"),
                19_160,
            ),
        ] {
            let inflated: Vec<&str> = words(deflated).collect();
            assert_eq!(inflated, text.lines().collect::<Vec<_>>());
            assert_eq!(inflated.len(), len);
            assert!(
                deflated.len() * 10 < text.len() * 6,
                "{} of {}",
                deflated.len(),
                text.len()
            );
        }
        assert_eq!(RANKED_DICTIONARIES[&DictionaryType::Passwords]["123456"], 1);
        assert_eq!(
            RANKED_DICTIONARIES[&DictionaryType::Passwords]["pic's"],
            6_523
        );
    }
}
