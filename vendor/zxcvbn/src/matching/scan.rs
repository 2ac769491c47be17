//! Hand-written equivalents of the regular expressions upstream matches with `regex` and
//! `fancy-regex`, so that the crate links neither engine (about 1 MB of code and Unicode
//! tables in a release binary). Each returns what its expression's leftmost-first search
//! returns; the tests compare them with both engines on generated input.

use std::ops::Range;

/// A repeat, as `(.+)\1+` (greedy) or `(.+?)\1+` (lazy) finds it: the byte range of the
/// whole match and of its first copy of the repeated unit (capture group 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Repeat {
    pub whole: Range<usize>,
    pub unit: Range<usize>,
}

/// The leftmost repeat of `s`. At the leftmost start that has one, `greedy` takes the longest
/// unit that repeats (as `(.+)\1+` does) and lazy the shortest (as `(.+?)\1+`); either way
/// the unit then repeats as often as it can. `.` does not match a line feed, so no unit holds
/// one.
pub(crate) fn find_repeat(s: &str, greedy: bool) -> Option<Repeat> {
    let chars: Vec<(usize, char)> = s.char_indices().collect();
    let n = chars.len();
    let byte = |i: usize| chars.get(i).map_or(s.len(), |&(b, _)| b);
    let same = |a: usize, b: usize, len: usize| (0..len).all(|k| chars[a + k].1 == chars[b + k].1);
    for start in 0..n {
        let line_end = (start..n).find(|&i| chars[i].1 == '\n').unwrap_or(n);
        // A unit needs at least one copy after it: it is at most half of what is left.
        let longest = (line_end - start).min((n - start) / 2);
        let mut lengths: Box<dyn Iterator<Item = usize>> = if greedy {
            Box::new((1..=longest).rev())
        } else {
            Box::new(1..=longest)
        };
        if let Some(len) = lengths.find(|&len| same(start, start + len, len)) {
            let mut end = start + 2 * len;
            while end + len <= n && same(start, end, len) {
                end += len;
            }
            return Some(Repeat {
                whole: byte(start)..byte(end),
                unit: byte(start)..byte(start + len),
            });
        }
    }
    None
}

/// The shortest unit that `s` is made of, repeated at least twice, as `^(.+?)\1+$` captures
/// it; `None` when `s` is no such repeat (or holds a line feed).
pub(crate) fn shortest_unit(s: &str) -> Option<&str> {
    let chars: Vec<(usize, char)> = s.char_indices().collect();
    let n = chars.len();
    if chars.iter().any(|&(_, c)| c == '\n') {
        return None;
    }
    (1..=n / 2)
        .find(|&len| n.is_multiple_of(len) && (len..n).all(|i| chars[i].1 == chars[i % len].1))
        .map(|len| &s[..chars[len].0])
}

/// The byte ranges of the years from 1900 to 2099 in `s`, left to right and not overlapping,
/// as `19[0-9]{2}|20[0-9]{2}` finds them.
pub(crate) fn recent_years(s: &str) -> Vec<Range<usize>> {
    let bytes = s.as_bytes();
    let mut found = Vec::new();
    let mut at = 0;
    while at + 4 <= bytes.len() {
        let year = &bytes[at..at + 4];
        if matches!(&year[..2], b"19" | b"20") && year[2..].iter().all(u8::is_ascii_digit) {
            found.push(at..at + 4);
            at += 4;
        } else {
            at += 1;
        }
    }
    found
}

/// Whether `s` is 4 to 8 ASCII digits, as `^[0-9]{4,8}$` tells.
pub(crate) fn is_digits_of_a_date(s: &str) -> bool {
    (4..=8).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
}

/// The five captures of `^([0-9]{1,4})([\s/\\_.-])([0-9]{1,2})([\s/\\_.-])([0-9]{1,4})$`:
/// digits, separator, digits, separator, digits. A separator is never a digit, so each run
/// of digits is taken whole.
pub(crate) fn date_with_separators(s: &str) -> Option<[&str; 5]> {
    fn digits(s: &str, most: usize) -> Option<(&str, &str)> {
        let len = s.bytes().take_while(u8::is_ascii_digit).count();
        (1..=most).contains(&len).then(|| s.split_at(len))
    }
    fn separator(s: &str) -> Option<(&str, &str)> {
        let c = s.chars().next()?;
        (c.is_whitespace() || matches!(c, '/' | '\\' | '_' | '.' | '-'))
            .then(|| s.split_at(c.len_utf8()))
    }
    let (first, rest) = digits(s, 4)?;
    let (separator1, rest) = separator(rest)?;
    let (second, rest) = digits(rest, 2)?;
    let (separator2, rest) = separator(rest)?;
    let (third, rest) = digits(rest, 4)?;
    rest.is_empty()
        .then_some([first, separator1, second, separator2, third])
}

#[cfg(test)]
mod tests {
    use super::*;
    use quickcheck::{Arbitrary, Gen, QuickCheck};

    /// Strings from a small alphabet, so that repeats, years and dates are common: digits,
    /// two letters, the date separators, a line feed, a Unicode space and a two-byte letter.
    #[derive(Debug, Clone)]
    struct Small(String);

    impl Arbitrary for Small {
        fn arbitrary(g: &mut Gen) -> Self {
            const ALPHABET: &[char] = &[
                '0', '1', '2', '9', 'a', 'b', '/', '\\', '_', '.', '-', ' ', '\n', '\u{2003}', 'é',
            ];
            let len = usize::arbitrary(g) % 24;
            Small(
                (0..len)
                    .map(|_| *g.choose(ALPHABET).expect("a non-empty alphabet"))
                    .collect(),
            )
        }
    }

    fn check(property: fn(Small) -> bool) {
        QuickCheck::new().tests(20_000).quickcheck(property);
    }

    fn engine_repeat(re: &fancy_regex::Regex, s: &str) -> Option<Repeat> {
        let captures = re.captures(s).expect("the search finishes")?;
        let (whole, unit) = (captures.get(0)?, captures.get(1)?);
        Some(Repeat {
            whole: whole.range(),
            unit: unit.range(),
        })
    }

    #[test]
    fn repeats_are_found_as_fancy_regex_finds_them() {
        fn property(s: Small) -> bool {
            let greedy = fancy_regex::Regex::new(r"(.+)\1+").expect("a valid expression");
            let lazy = fancy_regex::Regex::new(r"(.+?)\1+").expect("a valid expression");
            let anchored = fancy_regex::Regex::new(r"^(.+?)\1+$").expect("a valid expression");
            let unit = anchored
                .captures(&s.0)
                .expect("the search finishes")
                .map(|c| &s.0[c.get(1).unwrap().range()]);
            find_repeat(&s.0, true) == engine_repeat(&greedy, &s.0)
                && find_repeat(&s.0, false) == engine_repeat(&lazy, &s.0)
                && shortest_unit(&s.0) == unit
        }
        check(property);
        assert_eq!(
            find_repeat("xaabaabz", true),
            Some(Repeat {
                whole: 1..7,
                unit: 1..4
            })
        );
        assert_eq!(
            find_repeat("xaabaabz", false),
            Some(Repeat {
                whole: 1..3,
                unit: 1..2
            })
        );
        assert_eq!(shortest_unit("abababab"), Some("ab"));
    }

    #[test]
    fn years_and_dates_are_found_as_regex_finds_them() {
        fn property(s: Small) -> bool {
            let years = regex::Regex::new(r"19[0-9]{2}|20[0-9]{2}").expect("a valid expression");
            let digits = regex::Regex::new(r"^[0-9]{4,8}$").expect("a valid expression");
            let date = regex::Regex::new(
                r"^([0-9]{1,4})([\s/\\_.-])([0-9]{1,2})([\s/\\_.-])([0-9]{1,4})$",
            )
            .expect("a valid expression");
            let engine_date = date.captures(&s.0).map(|c| {
                [1, 2, 3, 4, 5].map(|i| c.get(i).expect("every group takes part").as_str())
            });
            recent_years(&s.0) == years.find_iter(&s.0).map(|m| m.range()).collect::<Vec<_>>()
                && is_digits_of_a_date(&s.0) == digits.is_match(&s.0)
                && date_with_separators(&s.0) == engine_date
        }
        check(property);
        assert_eq!(recent_years("1919201999"), [0..4, 4..8]);
        assert_eq!(
            date_with_separators("1991\u{2003}1.12"),
            Some(["1991", "\u{2003}", "1", ".", "12"])
        );
    }
}
