//! Wrapping text reports to a width (the terminal's, or 100 columns when stdout is not a
//! terminal). Lines are broken at spaces only: a single token longer than the width (a URL, a
//! path) is never broken. A continuation keeps the line's indentation. ANSI colour codes take
//! no width.

/// The width text reports wrap at when stdout is not a terminal.
pub const DEFAULT_WIDTH: usize = 100;

/// The visible width of `s`: characters, not counting ANSI escape sequences.
fn visible_width(s: &str) -> usize {
    let mut n = 0;
    let mut in_escape = false;
    for c in s.chars() {
        match (in_escape, c) {
            (false, '\x1b') => in_escape = true,
            (true, c) if c.is_ascii_alphabetic() => in_escape = false,
            (true, _) => {}
            (false, _) => n += 1,
        }
    }
    n
}

/// Wrap every line of `text` longer than `width`.
pub fn wrap(text: &str, width: usize) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let (body, newline) = match line.strip_suffix('\n') {
            Some(b) => (b, "\n"),
            None => (line, ""),
        };
        if visible_width(body) <= width {
            out.push_str(line);
            continue;
        }
        let indent: String = body.chars().take_while(|c| *c == ' ').collect();
        let mut current = indent.clone();
        let mut current_width = indent.len();
        let mut has_word = false;
        for word in body[indent.len()..].split(' ') {
            let w = visible_width(word);
            if has_word && current_width + 1 + w > width {
                out.push_str(current.trim_end());
                out.push('\n');
                current = indent.clone();
                current_width = indent.len();
                has_word = false;
            }
            if has_word {
                current.push(' ');
                current_width += 1;
            }
            current.push_str(word);
            current_width += w;
            has_word = true;
        }
        out.push_str(&current);
        out.push_str(newline);
    }
    out
}

/// [`wrap`], except the summary and the evidence footer: the one-line summary (the last line
/// before the footer) stays one line, so a script can find it whole, and the footer
/// (`Evidence: access-reconciler ...` to the end: one file or source per line, with its SHA-256)
/// is kept as written.
pub fn wrap_report(text: &str, width: usize) -> String {
    let (report, footer) = match text.find("\nEvidence: access-reconciler ") {
        Some(i) => text.split_at(i + 1),
        None => (text, ""),
    };
    let body_end = report
        .trim_end_matches('\n')
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let (body, last) = report.split_at(body_end);
    let mut out = wrap(body, width);
    out.push_str(last);
    out.push_str(footer);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_at_spaces_keeps_indentation_and_never_breaks_a_token() {
        assert_eq!(wrap("  aaa bbb ccc\n", 9), "  aaa bbb\n  ccc\n");
        let url = "https://example.com/a/very/long/path";
        assert_eq!(
            wrap(&format!("  see {url} now\n"), 10),
            format!("  see\n  {url}\n  now\n")
        );
        assert_eq!(wrap("short\n", 100), "short\n");
        assert_eq!(wrap_report("aa bb\ncc dd\n", 3), "aa\nbb\ncc dd\n");
        let footer = "Evidence: access-reconciler 1 · today x\n  config c (sha256 abc)\n";
        assert_eq!(
            wrap_report(&format!("aa bb\ncc dd\n{footer}"), 3),
            format!("aa\nbb\ncc dd\n{footer}")
        );
        // Colour codes take no width.
        assert_eq!(wrap("\x1b[1mab\x1b[0m cd\n", 5), "\x1b[1mab\x1b[0m cd\n");
    }
}
