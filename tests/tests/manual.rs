//! The manuals stay true to the app (issue 17, point 2): every UI label a book names in
//! ［…］ is a text of the app's i18n table or of the forms catalog (labels, choices,
//! titles), every screenshot it shows is one a browser suite
//! takes (`steps.shot(page, "…", { manual: NAME })`), every page the 「？」 buttons open
//! exists, and every chapter is in its book's table of contents. `cargo xtask test` also
//! checks, after the browser suites ran, that each named screenshot was really taken.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const BOOKS: [&str; 3] = ["counter", "admin", "training"];

fn root() -> PathBuf {
    madoguchi_tests::workspace_root()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Each book's chapters: (book, file name, text).
fn chapters() -> Vec<(&'static str, String, String)> {
    let mut out = Vec::new();
    for book in BOOKS {
        let src = root().join("docs/manual").join(book).join("src");
        let mut names: Vec<String> = std::fs::read_dir(&src)
            .unwrap_or_else(|e| panic!("{}: {e}", src.display()))
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".md"))
            .collect();
        names.sort();
        for name in names {
            let text = read(&src.join(&name));
            out.push((book, name, text));
        }
    }
    out
}

/// Every string literal of a Rust source (escapes kept as written; the i18n table has none
/// in the texts the manuals quote).
fn string_literals(source: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = source.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            }
            '\'' => {
                // A char literal ('"') or a lifetime: skip to the closing quote if short.
                let ahead: String = chars.clone().take(3).collect();
                if let Some(end) = ahead.find('\'') {
                    for _ in 0..=end {
                        chars.next();
                    }
                }
            }
            '"' => {
                let mut text = String::new();
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => {
                            if let Some(next) = chars.next() {
                                text.push('\\');
                                text.push(next);
                            }
                        }
                        '"' => break,
                        c => text.push(c),
                    }
                }
                out.push(text);
            }
            _ => {}
        }
    }
    out
}

/// The texts a label may be: each literal of the i18n table, whole and in its pieces
/// between `{…}` placeholders, trimmed, with the line continuations (`\` + newline) joined.
fn i18n_texts() -> BTreeSet<String> {
    let mut texts = BTreeSet::new();
    for file in ["mod.rs", "kiosk.rs"] {
        let source = read(&root().join("app-wasm/src/i18n").join(file));
        for literal in string_literals(&source) {
            let joined = join_continuations(&literal);
            texts.insert(joined.trim().to_owned());
            let mut piece = String::new();
            let mut depth = 0;
            for c in joined.chars() {
                match c {
                    '{' => {
                        depth += 1;
                        texts.insert(piece.trim().to_owned());
                        piece.clear();
                    }
                    '}' => depth -= 1,
                    c if depth == 0 => piece.push(c),
                    _ => {}
                }
            }
            texts.insert(piece.trim().to_owned());
        }
    }
    texts.remove("");
    texts
}

fn join_continuations(literal: &str) -> String {
    let mut out = String::new();
    let mut rest = literal;
    while let Some(at) = rest.find("\\\n") {
        out.push_str(&rest[..at]);
        rest = rest[at + 2..].trim_start();
    }
    out.push_str(rest);
    out
}

/// The ［…］ labels of `text`.
fn labels(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find('［') {
        rest = &rest[start + '［'.len_utf8()..];
        match rest.find('］') {
            Some(end) => {
                out.push(rest[..end].to_owned());
                rest = &rest[end + '］'.len_utf8()..];
            }
            None => {
                out.push(format!("(unclosed) {}", &rest[..rest.len().min(30)]));
                break;
            }
        }
    }
    out
}

/// The `manual: "NAME"` screenshots the browser suites take.
fn suite_shots() -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let js = root().join("tests/js");
    for entry in std::fs::read_dir(&js).unwrap().filter_map(|e| e.ok()) {
        let path = entry.path();
        if path.extension().and_then(|e| e.to_str()) != Some("mjs") {
            continue;
        }
        let text = read(&path);
        let mut rest = text.as_str();
        while let Some(at) = rest.find("{ manual: \"") {
            rest = &rest[at + "{ manual: \"".len()..];
            if let Some(end) = rest.find('"')
                && rest[..end] != *"NAME"
            {
                names.insert(rest[..end].to_owned());
            }
        }
    }
    names
}

/// The `![…](shots/NAME.png)` of `text`.
fn shots(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("](shots/") {
        rest = &rest[at + "](shots/".len()..];
        if let Some(end) = rest.find(')') {
            out.push(rest[..end].trim_end_matches(".png").to_owned());
        }
    }
    out
}

/// The words the forms show, from the built-in catalog: item and field labels, choices,
/// section and form titles (the manuals name them in ［…］ as the screen shows them).
fn catalog_texts() -> BTreeSet<String> {
    let catalog = shared_model::catalog::Catalog::builtin();
    let mut texts = BTreeSet::new();
    for item in catalog.items.values() {
        texts.insert(item.label.ja.clone());
        texts.extend(item.choices.iter().map(|c| c.label.ja.clone()));
    }
    for form in &catalog.forms {
        texts.insert(form.title.ja.clone());
        for section in &form.sections {
            texts.insert(section.title.ja.clone());
            for field in &section.fields {
                texts.insert(field.label.ja.clone());
                texts.extend(field.choices.iter().map(|c| c.label.ja.clone()));
            }
        }
    }
    texts
}

#[test]
fn every_label_the_manuals_name_is_a_text_of_the_app() {
    let mut texts = i18n_texts();
    texts.extend(catalog_texts());
    assert!(
        texts.contains("確定する") || texts.len() > 300,
        "the i18n table read: {}",
        texts.len()
    );
    let mut unknown = Vec::new();
    let mut checked = 0;
    for (book, name, text) in chapters() {
        for label in labels(&text) {
            checked += 1;
            if !texts.contains(label.trim()) {
                unknown.push(format!("{book}/{name}: ［{label}］"));
            }
        }
    }
    assert!(
        unknown.is_empty(),
        "labels the app does not have:\n{}",
        unknown.join("\n")
    );
    assert!(
        checked >= 50,
        "only {checked} labels: are the manuals marking them with ［…］?"
    );
    eprintln!("{checked} labels checked against {} texts", texts.len());
}

#[test]
fn every_screenshot_the_manuals_show_is_taken_by_a_browser_suite() {
    let taken = suite_shots();
    let mut unknown = Vec::new();
    let mut shown = BTreeSet::new();
    for (book, name, text) in chapters() {
        for shot in shots(&text) {
            if !taken.contains(&shot) {
                unknown.push(format!("{book}/{name}: shots/{shot}.png"));
            }
            shown.insert(shot);
        }
    }
    assert!(
        unknown.is_empty(),
        "screenshots no suite takes (give its steps.shot {{ manual: NAME }}):\n{}",
        unknown.join("\n")
    );
    assert!(shown.len() >= 20, "only {} screenshots shown", shown.len());
    eprintln!(
        "{} screenshots shown, of {} the suites take",
        shown.len(),
        taken.len()
    );
}

#[test]
fn the_pages_the_help_buttons_open_exist() {
    let help = read(&root().join("app-wasm/src/help.rs"));
    let start = help
        .find("pub const MANUAL_PAGES")
        .expect("MANUAL_PAGES in help.rs");
    let end = start + help[start..].find("];").unwrap();
    let pages: Vec<String> = string_literals(&help[start..end]);
    assert!(pages.len() >= 5, "{pages:?}");
    for page in pages {
        let (book, file) = page.split_once('/').unwrap();
        let md = match file {
            "index.html" => "README.md".to_owned(),
            other => other.replace(".html", ".md"),
        };
        let path = root().join("docs/manual").join(book).join("src").join(&md);
        assert!(path.exists(), "{page}: no {}", path.display());
    }
}

#[test]
fn every_chapter_is_in_its_books_table_of_contents() {
    for book in BOOKS {
        let src = root().join("docs/manual").join(book).join("src");
        let summary = read(&src.join("SUMMARY.md"));
        let mut linked = BTreeSet::new();
        let mut rest = summary.as_str();
        while let Some(at) = rest.find("](") {
            rest = &rest[at + 2..];
            if let Some(end) = rest.find(')') {
                let target = rest[..end].trim_start_matches("./").to_owned();
                assert!(
                    src.join(&target).exists(),
                    "{book}: SUMMARY.md links to a missing {target}"
                );
                linked.insert(target);
            }
        }
        for (b, name, _) in chapters() {
            if b == book && name != "SUMMARY.md" {
                assert!(linked.contains(&name), "{book}/{name} is not in SUMMARY.md");
            }
        }
    }
}

#[test]
fn the_label_reader_reads_what_the_manuals_write() {
    assert_eq!(
        labels("［確定する］を押し、［問い合わせ番号 {id}］"),
        ["確定する", "問い合わせ番号 {id}"]
    );
    assert_eq!(
        shots("![一覧](shots/counter-day-list.png)"),
        ["counter-day-list"]
    );
    let literals = string_literals(
        r#"X => ("窓口", "Counter"), // "not this"
        Y => ('"', "長い\
              文"),"#,
    );
    assert_eq!(literals, ["窓口", "Counter", "長い\\\n              文"]);
    assert_eq!(join_continuations(&literals[2]), "長い文");
}
