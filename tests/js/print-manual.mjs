// Prints one mdBook book's one-page `print.html` to an A4 PDF with a table of contents:
//   node print-manual.mjs <dist>/manual/counter/print.html <dist>/manual/counter.pdf
// Debian's Chromium, headless, fresh profile. `cargo xtask docs` runs it for each book.
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";

const [page_, pdf] = process.argv.slice(2);
if (!page_ || !pdf) {
  console.error("usage: node print-manual.mjs <print.html> <out.pdf>");
  process.exit(2);
}
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true });
try {
  const page = await browser.newPage({ locale: "ja-JP" });
  // mdBook's print page prints itself once loaded: not here.
  await page.addInitScript(() => {
    window.print = () => {};
  });
  await page.goto(pathToFileURL(page_).href, { waitUntil: "load" });
  await page.evaluate(() => Promise.all([...document.images].map((img) => img.decode().catch(() => {}))));
  // The table of contents: every chapter (h1) and section (h2), linked, on its own page.
  const entries = await page.evaluate(() => {
    const main = document.querySelector("main");
    const headings = [...main.querySelectorAll("h1, h2")];
    const nav = document.createElement("nav");
    nav.id = "print-toc";
    nav.style.breakAfter = "page";
    const title = document.createElement("h1");
    title.textContent = "目次";
    title.style.breakBefore = "avoid";
    nav.append(title);
    const list = document.createElement("ol");
    list.style.listStyle = "none";
    list.style.paddingLeft = "0";
    headings.forEach((heading, i) => {
      if (!heading.id) heading.id = `section-${i}`;
      const item = document.createElement("li");
      if (heading.tagName === "H2") item.style.paddingLeft = "1.5em";
      else item.style.marginTop = "0.5em";
      const link = document.createElement("a");
      link.href = `#${heading.id}`;
      link.textContent = heading.textContent.trim();
      item.append(link);
      list.append(item);
    });
    nav.append(list);
    main.prepend(nav);
    return headings.length;
  });
  if (entries < 3) throw new Error(`${page_}: only ${entries} headings: is this an mdBook print page?`);
  const title = await page.title();
  await page.pdf({
    path: pdf,
    format: "A4",
    printBackground: true,
    outline: true,
    tagged: true,
    displayHeaderFooter: true,
    headerTemplate: `<div style="font-size:8px;width:100%;text-align:center;color:#666">${title.replace(/</g, "&lt;")}</div>`,
    footerTemplate: '<div style="font-size:9px;width:100%;text-align:center"><span class="pageNumber"></span> / <span class="totalPages"></span></div>',
    margin: { top: "18mm", bottom: "16mm", left: "16mm", right: "16mm" },
  });
  console.log(`${pdf}: ${entries} headings in the table of contents`);
} finally {
  await browser.close();
}
