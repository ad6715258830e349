//! The manuals (`docs/manual/`): three mdBook books in Japanese, their screenshots taken by
//! the browser suites, built as HTML (served under `/manual/`, kept offline by the service
//! worker) and printed to PDF by Debian's Chromium.
//!
//! - [`build_books`]: the HTML of every book into `<out>/manual/<book>/` (the PWA build
//!   calls it, so every build of the app carries its manual), with the screenshots the
//!   books' `src/shots/` hold at that moment.
//! - [`docs`] (`cargo xtask docs`): runs the browser suites with `MADOGUCHI_MANUAL_SHOTS`
//!   set, so each `steps.shot(page, name, { manual })` also writes `<manual>.png` there;
//!   checks that every screenshot a book names was taken; copies them into the books;
//!   builds the release PWA (with the books) into `dist/`; prints each book to
//!   `dist/manual/<book>.pdf`; reports the page counts and the number of screenshots.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

use crate::{pwa, step, target_dir, tools};

/// The books, by folder under `docs/manual/`.
pub const BOOKS: [&str; 3] = ["counter", "admin", "training"];

/// The screenshot names the books use (`![…](shots/NAME.png)`), per book.
pub fn named_shots(root: &Path, book: &str) -> anyhow::Result<BTreeSet<String>> {
    let src = root.join("docs/manual").join(book).join("src");
    let mut names = BTreeSet::new();
    for entry in std::fs::read_dir(&src).with_context(|| format!("reading {}", src.display()))? {
        let path = entry?.path();
        if path.extension().and_then(|e| e.to_str()) != Some("md") {
            continue;
        }
        let text = std::fs::read_to_string(&path)?;
        let mut rest = text.as_str();
        while let Some(at) = rest.find("](shots/") {
            rest = &rest[at + "](shots/".len()..];
            if let Some(end) = rest.find(".png)") {
                names.insert(rest[..end].to_owned());
            }
        }
    }
    Ok(names)
}

/// Builds every book's HTML into `<out>/manual/<book>/` with mdBook (installed pinned).
pub fn build_books(root: &Path, out: &Path) -> anyhow::Result<()> {
    tools::ensure_mdbook()?;
    for book in BOOKS {
        let dir = root.join("docs/manual").join(book);
        let dest = out.join("manual").join(book);
        step(
            Command::new(tools::MDBOOK)
                .arg("build")
                .arg(&dir)
                .arg("--dest-dir")
                .arg(&dest),
        )?;
    }
    // `/manual/` itself: the three books and their PDFs.
    std::fs::write(out.join("manual").join("index.html"), MANUAL_INDEX)?;
    Ok(())
}

/// The page at `/manual/` (no script, no inline style).
const MANUAL_INDEX: &str = r#"<!doctype html>
<html lang="ja">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Madoguchi マニュアル</title>
  <link rel="stylesheet" href="/app.css">
</head>
<body>
  <main>
    <h1>Madoguchi マニュアル</h1>
    <ul>
      <li><a href="counter/index.html">窓口職員向けマニュアル</a>（<a href="counter.pdf">PDF</a>）</li>
      <li><a href="admin/index.html">管理職員向けマニュアル</a>（<a href="admin.pdf">PDF</a>）</li>
      <li><a href="training/index.html">研修資料 — 1時間の演習</a>（<a href="training.pdf">PDF</a>）</li>
    </ul>
    <p>PDF は <code>cargo xtask docs</code> で作られます。</p>
  </main>
</body>
</html>
"#;

/// Checks that `shots` holds every screenshot the books name (fails naming any no suite
/// took) and, if `copy`, copies them into each book's `src/shots/` (replacing what was
/// there). Returns how many the books name.
pub fn place_shots(root: &Path, shots: &Path, copy: bool) -> anyhow::Result<usize> {
    let mut missing = Vec::new();
    let mut placed = 0;
    for book in BOOKS {
        let dest = root.join("docs/manual").join(book).join("src/shots");
        if copy {
            if dest.exists() {
                std::fs::remove_dir_all(&dest)?;
            }
            std::fs::create_dir_all(&dest)?;
        }
        for name in named_shots(root, book)? {
            let from = shots.join(format!("{name}.png"));
            if !from.exists() {
                missing.push(format!("{book}: {name}"));
                continue;
            }
            if copy {
                std::fs::copy(&from, dest.join(format!("{name}.png")))?;
            }
            placed += 1;
        }
    }
    if !missing.is_empty() {
        bail!(
            "the manuals name screenshots no browser suite took (give a suite's steps.shot \
             the option {{ manual: NAME }}): {}",
            missing.join(", ")
        );
    }
    Ok(placed)
}

/// `cargo xtask docs`.
pub fn docs(root: &Path) -> anyhow::Result<()> {
    tools::ensure_wasm_toolchain(root)?;
    tools::ensure_browser()?;
    tools::ensure_binaryen()?;
    tools::ensure_node_packages(&root.join("tests").join("js"))?;
    tools::ensure_card_tools()?;
    tools::ensure_mdbook()?;

    // The screenshots, from the browser suites over a dev build (as the test command).
    step(crate::cargo().args(["build", "--locked", "-p", "sync-server"]))?;
    let e2e = target_dir(root).join("e2e-dist");
    pwa::build(root, pwa::Profile::Dev, &e2e)?;
    let shots = target_dir(root).join("manual-shots");
    if shots.exists() {
        std::fs::remove_dir_all(&shots)?;
    }
    std::fs::create_dir_all(&shots)?;
    // The browser suites: the faces', and the card reader's (through the card bridge).
    for (package, suite) in [
        ("madoguchi-tests", "browser_e2e"),
        ("card-bridge", "browser_card"),
    ] {
        step(
            crate::cargo()
                .args(["test", "--locked", "-p", package, "--test", suite])
                .env("MADOGUCHI_DIST", &e2e)
                .env(
                    "MADOGUCHI_SERVER_BIN",
                    target_dir(root).join("debug").join("sync-server"),
                )
                .env("MADOGUCHI_TEST_OUTPUT", root.join("test-output"))
                .env("MADOGUCHI_MANUAL_SHOTS", &shots),
        )?;
    }
    let placed = place_shots(root, &shots, true)?;

    // The product with its manuals, and the manuals on paper.
    let dist = root.join("dist");
    pwa::build(root, pwa::Profile::Release, &dist)?;
    let mut report = Vec::new();
    for book in BOOKS {
        let pdf = dist.join("manual").join(format!("{book}.pdf"));
        print_pdf(
            root,
            &dist.join("manual").join(book).join("print.html"),
            &pdf,
        )?;
        report.push((book, pages(&pdf)?, named_shots(root, book)?.len()));
    }
    eprintln!("xtask: manuals in {}:", dist.join("manual").display());
    for (book, pages, shots) in &report {
        eprintln!("xtask:   {book:<9} {pages:>3} A4 pages, {shots:>2} screenshots");
    }
    eprintln!("xtask: {placed} screenshots placed in all");
    Ok(())
}

/// Prints mdBook's one-page `print.html` to an A4 PDF with a table of contents, in
/// headless Chromium (`tests/js/print-manual.mjs`).
fn print_pdf(root: &Path, page: &Path, pdf: &Path) -> anyhow::Result<()> {
    step(
        Command::new("node")
            .arg(root.join("tests/js/print-manual.mjs"))
            .arg(page)
            .arg(pdf)
            .current_dir(root.join("tests/js")),
    )
}

/// The number of pages of `pdf` (poppler's `pdfinfo`).
pub fn pages(pdf: &Path) -> anyhow::Result<u32> {
    let out = Command::new("pdfinfo")
        .arg(pdf)
        .output()
        .context("running pdfinfo")?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .with_context(|| format!("pdfinfo gave no page count for {}", pdf.display()))
}

/// Where `cargo xtask test` asks the browser suites to leave the manuals' screenshots.
pub fn test_shots(root: &Path) -> PathBuf {
    target_dir(root).join("manual-shots")
}
