/*
 * Japanese query splitting for Sphinx search.
 *
 * Sphinx segments the index with TinySegmenter but splits a query only on non-letters, so a compound
 * such as 情報資産 is looked up as one word and finds nothing. Segmenting the query alone does not
 * help (a short query is cut differently from running text). Instead each Japanese run of the query
 * is split by longest match against the index's own vocabulary; characters the index does not know
 * are dropped when single (the index holds no one-letter words) and kept as a term otherwise.
 * Defined before searchtools.js loads, which then keeps this splitQuery instead of its default.
 */
"use strict";
var splitQuery = (query) => {
  const runs = query.split(/[^\p{Letter}\p{Number}_\p{Emoji_Presentation}]+/gu).filter((t) => t);
  const index = typeof Search !== "undefined" && Search._index ? Search._index : null;
  const terms = index ? Object.assign({}, index.terms, index.titleterms) : null;
  const japanese = /[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uff66-\uff9f]/;
  const out = [];
  for (const run of runs) {
    if (!terms || !japanese.test(run)) {
      out.push(run);
      continue;
    }
    const lower = run.toLowerCase();
    let unknown = "";
    let i = 0;
    const flush = () => {
      if (unknown.length > 1) out.push(unknown);
      unknown = "";
    };
    while (i < lower.length) {
      let match = 0;
      for (let j = lower.length; j > i + 1; j--) {
        if (Object.prototype.hasOwnProperty.call(terms, lower.slice(i, j))) {
          match = j - i;
          break;
        }
      }
      if (match) {
        flush();
        out.push(lower.slice(i, i + match));
        i += match;
      } else {
        unknown += lower[i];
        i += 1;
      }
    }
    flush();
  }
  return out;
};

// Result snippets: leave out the document banner (classification, number, version) at the top of
// every page, so that a snippet shows the text around the hit.
document.addEventListener("DOMContentLoaded", () => {
  if (typeof Search === "undefined" || !Search.htmlToText) return;
  const original = Search.htmlToText;
  Search.htmlToText = (htmlString, anchor) => {
    const doc = new DOMParser().parseFromString(htmlString, "text/html");
    doc.querySelectorAll(".isms-banner").forEach((el) => el.remove());
    return original(doc.documentElement.outerHTML, anchor);
  };
});
