//! Deflates the ranked dictionaries (`data/*.txt`) into `OUT_DIR/frequency_lists.rs`, one
//! byte-string constant a list. Each list must be one non-empty word a line, without
//! repeats: the rank of a word is its line number.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::path::PathBuf;

const LISTS: &[(&str, &str)] = &[
    ("PASSWORDS", "passwords"),
    ("ENGLISH_WIKIPEDIA", "english_wikipedia"),
    ("FEMALE_NAMES", "female_names"),
    ("MALE_NAMES", "male_names"),
    ("SURNAMES", "surnames"),
    ("US_TV_AND_FILM", "us_tv_and_film"),
];

fn main() {
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let mut code = String::new();
    for (constant, name) in LISTS {
        let path = format!("data/{name}.txt");
        println!("cargo::rerun-if-changed={path}");
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let mut seen = HashSet::new();
        for (n, word) in text.lines().enumerate() {
            assert!(
                !word.is_empty() && !word.contains('\r'),
                "{path}:{}: an empty line",
                n + 1
            );
            assert!(
                seen.insert(word),
                "{path}:{}: {word} is listed twice",
                n + 1
            );
        }
        let deflated =
            miniz_oxide::deflate::compress_to_vec(text.trim_end_matches('\n').as_bytes(), 10);
        let file = format!("{name}.deflate");
        std::fs::write(out.join(&file), deflated).unwrap_or_else(|e| panic!("{file}: {e}"));
        writeln!(
            code,
            "const {constant}: &[u8] = include_bytes!(concat!(env!(\"OUT_DIR\"), \"/{file}\"));"
        )
        .expect("writing to a String");
    }
    std::fs::write(out.join("frequency_lists.rs"), code).expect("OUT_DIR is writable");
}
