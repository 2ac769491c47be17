//! Long sorted lists of short lines shipped inside the functions (the free-mail and
//! disposable email domains), packed by `build.rs`: cut into blocks of whole lines, each
//! block deflated. A function carries about a third of the text and does nothing with it at
//! start-up; a lookup finds the one block that could hold the line by the blocks' first
//! lines, inflates it (8 KiB of text) and searches it.

use std::cmp::Ordering;

include!(concat!(env!("OUT_DIR"), "/packed_lists.rs"));

/// A sorted list of lines, packed: see the module's documentation.
pub(crate) struct PackedList {
    /// The first line of each block, in order.
    heads: &'static [&'static str],
    /// Where each block's deflated bytes end in `data` (the next block starts there).
    ends: &'static [usize],
    /// The blocks, raw deflate, one after another.
    data: &'static [u8],
}

/// More than any block inflates to (blocks are packed from about 8 KiB of text).
const MAX_BLOCK_TEXT: usize = 64 * 1024;

impl PackedList {
    /// Whether `wanted` is one of the lines.
    pub fn contains(&self, wanted: &str) -> bool {
        // The last block whose first line is not after `wanted` is the only one that could
        // hold it.
        match self.heads.partition_point(|head| *head <= wanted) {
            0 => false,
            after => is_listed(&self.block(after - 1), wanted),
        }
    }

    /// The text of block `at`, inflated.
    fn block(&self, at: usize) -> String {
        let start = at.checked_sub(1).map_or(0, |before| self.ends[before]);
        let bytes =
            miniz_oxide::inflate::decompress_to_vec_with_limit(&self.data[start..self.ends[at]], MAX_BLOCK_TEXT);
        // The blocks are constants of the build, each inflated by the tests below.
        String::from_utf8(bytes.expect("a block packed by build.rs inflates")).expect("the packed lists are text")
    }

    /// Every line, in order.
    #[cfg(test)]
    pub fn lines(&self) -> Vec<String> {
        (0..self.heads.len()).flat_map(|at| self.block(at).lines().map(str::to_owned).collect::<Vec<_>>()).collect()
    }
}

/// Whether `wanted` is a line of `sorted`, whose lines are in byte order: a binary search
/// over the text itself.
fn is_listed(sorted: &str, wanted: &str) -> bool {
    let bytes = sorted.as_bytes();
    // `low` and `high` are always the start of a line (or the end of the text).
    let (mut low, mut high) = (0, bytes.len());
    while low < high {
        let mid = low + (high - low) / 2;
        let start = bytes[low..mid].iter().rposition(|&b| b == b'\n').map_or(low, |at| low + at + 1);
        let end = bytes[start..high].iter().position(|&b| b == b'\n').map_or(high, |at| start + at);
        match sorted[start..end].cmp(wanted) {
            Ordering::Equal => return true,
            Ordering::Less => low = end + 1,
            Ordering::Greater => high = start,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::domain::email::is_disposable;

    const FREE_MAIL_TEXT: &str = include_str!("../../data/free_email_domains.txt");
    const LISTS: [(&PackedList, &str); 2] = [
        (&DISPOSABLE_DOMAINS, include_str!("../../data/disposable_email_domains.txt")),
        (&FREE_MAIL_DOMAINS, FREE_MAIL_TEXT),
    ];

    /// The domains of a shipped list (after its comment lines) the build packs: the free-mail
    /// list without the domains the disposable check refuses.
    fn source_lines(text: &str) -> Vec<String> {
        let lines = text.lines().filter(|line| !line.starts_with('#')).map(str::to_owned);
        let free_mail = text == FREE_MAIL_TEXT;
        lines.filter(|domain| !(free_mail && is_disposable(domain))).collect()
    }

    #[test]
    fn the_free_mail_list_leaves_out_only_what_the_disposable_check_refuses() {
        let published = FREE_MAIL_TEXT.lines().filter(|line| !line.starts_with('#')).count();
        let packed = FREE_MAIL_DOMAINS.lines();

        assert_eq!(packed, source_lines(FREE_MAIL_TEXT));
        assert!(published - packed.len() > 3_000, "{published} published, {} packed", packed.len());
        assert!(packed.len() > 10_000);
    }

    #[test]
    fn the_blocks_inflate_to_the_whole_list_in_order_each_starting_at_its_head() {
        for (list, text) in LISTS {
            for (at, head) in list.heads.iter().enumerate() {
                let block = list.block(at);
                assert!(block.len() <= 8192, "block {at} holds {} bytes", block.len());
                assert_eq!(block.lines().next(), Some(*head), "block {at} starts at its head");
            }
            assert_eq!(list.lines(), source_lines(text));
        }
    }

    #[test]
    fn the_lists_are_packed_to_well_under_half_their_text() {
        for (list, text) in LISTS {
            assert!(list.data.len() * 5 < text.len() * 2, "{} of {} bytes", list.data.len(), text.len());
        }
    }

    #[test]
    fn every_line_is_found_and_its_neighbours_only_when_listed() {
        for (list, text) in LISTS {
            let lines = source_lines(text);
            let all: HashSet<&str> = lines.iter().map(String::as_str).collect();
            // Every line, through the lookup a function makes (a block inflated each time).
            for line in &lines {
                assert!(list.contains(line), "{line} is found");
            }
            // Near misses: after, before and inside each line's place in the order.
            for line in &lines {
                for near in [format!("{line}x"), format!("a{line}"), line[..line.len() - 1].to_owned()] {
                    assert_eq!(list.contains(&near), all.contains(near.as_str()), "{near}");
                }
            }
            for near in ["", "!", "~", "0", "zzzzzzzzzz.zz"] {
                assert_eq!(list.contains(near), all.contains(near), "{near:?}");
            }
        }
    }

    #[test]
    fn the_sorted_search_finds_exactly_the_lines_of_small_lists() {
        let list = "b.com\nc.org\nd.net\n";
        for (wanted, listed) in [("a.com", false), ("b.com", true), ("c.org", true), ("d.net", true), ("e", false)] {
            assert_eq!(is_listed(list, wanted), listed, "{wanted}");
        }
        assert!(!is_listed("", "a.com"));
        assert!(is_listed("only.com", "only.com"));
        assert!(!is_listed("b.com\nc.org\nd.net\n", ""));
    }
}
