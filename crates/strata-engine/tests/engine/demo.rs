//! The demo dataset (`examples/h200-china.ndjson`) names a day only where
//! it has one to name.
//!
//! Every event of the demo given at `DAY` precision keeps one of two rules:
//!
//! 1. **Quoted from its article.** Its `note` quotes (between quotation
//!    marks) the article's own words that fix the day, and the quoted words
//!    name that day: `'On January 28, ... sent a letter'` for
//!    `2026-01-28` (`January 28`, `28 January`, `Jan. 28` and `Jan 28` all
//!    name it; a year need not be quoted).
//! 2. **Dated from general knowledge.** It is listed in
//!    `examples/README.md`, in the table of the section "Days from general
//!    knowledge", by its id suffix (`…064`), with its day and the basis of
//!    that day.
//!
//! An event whose article gives no day takes the precision the article
//! supports (`2026-01`), with a note saying when it was reported; these
//! rules keep the next edit of the demo from slipping a day in.

use strata_core::{parse_line, Location, Precision, Vocabulary};

const DEMO: &str = include_str!("../../../../examples/h200-china.ndjson");
const README: &str = include_str!("../../../../examples/README.md");

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// The quoted passages of a note: text between matching quotation marks
/// (`'...'`, `"..."`, `‘...’`, `“...”`), where an opening mark follows the
/// start, a space or a bracket, and a closing mark is not followed by a
/// letter or digit, so that the apostrophe of "Huang's" opens nothing.
fn quotes(note: &str) -> Vec<&str> {
    let chars: Vec<(usize, char)> = note.char_indices().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let (start, c) = chars[i];
        let close = match c {
            '\'' => '\'',
            '"' => '"',
            '‘' => '’',
            '“' => '”',
            _ => {
                i += 1;
                continue;
            }
        };
        let opens = i == 0 || matches!(chars[i - 1].1, ' ' | '(' | '[');
        if !opens {
            i += 1;
            continue;
        }
        let body = start + c.len_utf8();
        let end = (i + 1..chars.len())
            .find(|&j| chars[j].1 == close && chars.get(j + 1).is_none_or(|&(_, n)| !n.is_alphanumeric()));
        match end {
            Some(j) => {
                out.push(&note[body..chars[j].0]);
                i = j + 1;
            }
            None => i += 1,
        }
    }
    out
}

/// Whether `text` names day `day` of month `month` (1-based): the month's
/// name or abbreviation next to the day's number, which no other digit
/// touches.
fn names_day(text: &str, month: usize, day: u32) -> bool {
    let full = MONTHS[month - 1];
    let abbr = &full[..3];
    let mut forms = Vec::new();
    for m in [full.to_owned(), format!("{abbr}."), abbr.to_owned()] {
        forms.push((format!("{m} {day}"), true));
        forms.push((format!("{day} {m}"), false));
    }
    forms.iter().any(|(form, day_last)| {
        text.match_indices(form.as_str()).any(|(at, _)| {
            let before = text[..at].chars().next_back();
            let after = text[at + form.len()..].chars().next();
            if *day_last {
                !after.is_some_and(|c| c.is_ascii_digit())
            } else {
                !before.is_some_and(|c| c.is_ascii_digit()) && !after.is_some_and(char::is_alphabetic)
            }
        })
    })
}

/// Rule 1: a quoted passage of `note` names the day `at` (`YYYY-MM-DD`).
fn quotes_its_day(note: &str, at: &str) -> bool {
    let (Some(month), Some(day)) =
        (at.get(5..7).and_then(|m| m.parse().ok()), at.get(8..10).and_then(|d| d.parse().ok()))
    else {
        return false;
    };
    (1..=12).contains(&month) && quotes(note).iter().any(|q| names_day(q, month, day))
}

/// Rule 2's list: `(id suffix, day, basis)` for each row of the table in
/// the README's section "Days from general knowledge".
fn general_knowledge_days(readme: &str) -> Vec<(String, String, String)> {
    let Some(start) = readme.find("\n## Days from general knowledge") else { return Vec::new() };
    let section = &readme[start + 1..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |e| e + 3)];
    section
        .lines()
        .filter(|l| l.starts_with('|') && !l.starts_with("|---") && !l.starts_with("| event"))
        .filter_map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split('|').map(str::trim).collect();
            let suffix: String = cells.first()?.chars().filter(char::is_ascii_digit).collect();
            let day = cells.get(1)?.trim_matches('`').to_owned();
            let basis = cells.get(2)?.to_string();
            Some((suffix, day, basis))
        })
        .collect()
}

/// Why an event given at day precision breaks both rules, if it does.
fn unsupported_day(id: &str, at: &str, note: Option<&str>, listed: &[(String, String, String)]) -> Option<String> {
    if note.is_some_and(|n| quotes_its_day(n, at)) {
        return None;
    }
    let is_listed = listed.iter().any(|(suffix, day, basis)| {
        !suffix.is_empty() && id.ends_with(suffix.as_str()) && day == at && !basis.is_empty()
    });
    if is_listed {
        return None;
    }
    Some(format!(
        "{id} is dated {at} (day precision), but its note quotes no words of its article naming that day \
         ({note:?}), and examples/README.md does not list it under \"Days from general knowledge\" with its basis"
    ))
}

#[test]
fn every_day_in_the_demo_is_quoted_from_its_article_or_listed_as_general_knowledge() {
    let vocab = Vocabulary::builtin();
    let listed = general_knowledge_days(README);
    let mut days = 0;
    let mut problems = Vec::new();
    for (n, line) in DEMO.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let e = parse_line(line, Location::Line(n + 1), &vocab).unwrap().event;
        if e.at.precision() != Precision::Day {
            continue;
        }
        days += 1;
        problems.extend(unsupported_day(&e.id.to_string(), e.at.as_str(), e.note.as_deref(), &listed));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(days >= 2, "the demo has the letter of 28 January and Huang's words of 29 January at day precision");
    // Every listed day names an event of the demo at that day.
    for (suffix, day, _) in &listed {
        let hit = DEMO.lines().any(|l| l.contains(&format!("{suffix}\"")) && l.contains(&format!("\"at\": \"{day}\"")));
        assert!(hit, "examples/README.md lists …{suffix} on {day}, which the demo does not have");
    }
}

#[test]
fn the_day_rules_refuse_what_they_should() {
    let id = "0194f000-0000-7000-8000-000000000064";
    let listed = vec![("064".to_owned(), "2026-01-28".to_owned(), "the letter's date, from its text".to_owned())];
    // Rule 1: the quoted words name the day, in any of the usual forms.
    for note in [
        "The article says 'On January 28, Moolenaar sent a letter'.",
        "It says \"sent on 28 January\".",
        "Quoted: 'on Jan. 28', no year.",
        "(‘Jan 28’)",
    ] {
        assert_eq!(unsupported_day(id, "2026-01-28", Some(note), &[]), None, "{note}");
    }
    // Words not quoted, another day, a day that only starts the same, or no note at all.
    for note in [
        Some("Dated at the article's date, January 28."),
        Some("The article says 'on January 29'."),
        Some("The article says 'on January 2'."),
        Some("The article says 'on January 280 days'."),
        Some("Huang's remarks of January 28 were quoted by Reuters' report"),
        Some("It says '28 Januaryish'."),
        None,
    ] {
        assert!(unsupported_day(id, "2026-01-28", note, &[]).is_some(), "{note:?}");
    }
    // Rule 2: listed with its day and a basis; the wrong day or no basis is not listed.
    assert_eq!(unsupported_day(id, "2026-01-28", None, &listed), None);
    assert!(unsupported_day(id, "2026-01-27", None, &listed).is_some());
    let no_basis = vec![("064".to_owned(), "2026-01-28".to_owned(), String::new())];
    assert!(unsupported_day(id, "2026-01-28", None, &no_basis).is_some());
    // The README's table is read by its section heading.
    let readme = "# x\n\n## Days from general knowledge\n\n| event | day | basis |\n|---|---|---|\n| `…064` | `2026-01-28` | a basis |\n\n## Next\n\n| `…065` | 2026-01-29 | b |\n";
    assert_eq!(general_knowledge_days(readme), vec![("064".to_owned(), "2026-01-28".to_owned(), "a basis".to_owned())]);
}
