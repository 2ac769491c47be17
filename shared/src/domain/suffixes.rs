//! The domains a check of an address's domain against a list of domains looks up: the domain
//! itself, then each parent of at least two labels (`a.b.example.com`, `b.example.com`,
//! `example.com`). The disposable-domain check walks them; so does `build.rs`, which leaves
//! out of the free-mail list what that check refuses first.

/// `domain`, then each of its parents that still has a dot.
pub fn with_parents(domain: &str) -> impl Iterator<Item = &str> {
    std::iter::successors(Some(domain), |d| d.split_once('.').map(|(_, parent)| parent).filter(|p| p.contains('.')))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_domain_comes_first_then_its_parents_down_to_two_labels() {
        let walk = |domain| with_parents(domain).collect::<Vec<_>>();
        assert_eq!(walk("a.b.example.com"), ["a.b.example.com", "b.example.com", "example.com"]);
        assert_eq!(walk("example.co.uk"), ["example.co.uk", "co.uk"]);
        assert_eq!(walk("example.com"), ["example.com"]);
        assert_eq!(walk("localhost"), ["localhost"]);
    }
}
