/*
 * Full-text search of the ISMS site: every page whose text contains the query, Japanese or Latin.
 *
 * The index (isms-search/index.js, written by isms.render.html.search) maps every two adjacent
 * characters of a page's folded text to the pages that contain them. A query's candidates are the
 * pages that contain all of its bigrams; the pages' texts (isms-search/text-*.js, loaded when a
 * candidate is in them) confirm the match, count the occurrences and give the snippets. A query
 * of several words (separated by spaces) finds the pages that contain every word.
 *
 * Folded: NFKC (５．１５ is 5.15), lower case, white space collapsed; the same as the index's.
 * Everything arrives as scripts (no fetch: browsers refuse it from file://), nothing is evaluated,
 * and text goes into the page as text nodes only.
 */
"use strict";
// eslint-disable-next-line no-unused-vars
var IsmsSearch = (() => {
  const DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_";
  const DIGIT_VALUE = new Map([...DIGITS].map((c, i) => [c, i]));
  const script = document.currentScript;
  const base = script ? new URL("isms-search/", script.src) : null;
  let index = null;
  let indexReady;
  const indexLoaded = new Promise((resolve) => (indexReady = resolve));
  const pages = []; // page number -> Page (below)
  const chunkPromises = new Map();
  const chunkResolvers = new Map();
  const postingsCache = new Map();

  const fold = (text) => text.normalize("NFKC").toLowerCase().replace(/\s+/g, " ");
  const RESULTS_SHOWN = 50; // rendered at once; the rest on demand

  /** A page's text, folded when first searched (most pages of a chunk never are). The index says
   * whether the text needs NFKC at all (most pages are already in that form: lower-casing will do). */
  class Page {
    constructor(text, sections, nfkc) {
      this.text = text;
      this.sections = sections;
      this.nfkc = nfkc;
      this.map = null;
      this._folded = null;
    }

    get folded() {
      if (this._folded === null) this._folded = this.nfkc ? fold(this.text) : this.text.toLowerCase();
      return this._folded;
    }
  }

  const decode = (text) => {
    const out = [];
    let previous = -1;
    let gap = 0;
    let shift = 0;
    for (let i = 0; i < text.length; i++) {
      const digit = DIGIT_VALUE.get(text[i]);
      gap |= (digit & 31) << shift;
      if (digit & 32) {
        shift += 5;
        continue;
      }
      previous += gap + 1;
      out.push(previous);
      gap = 0;
      shift = 0;
    }
    return out;
  };

  const postings = (gram) => {
    if (!postingsCache.has(gram)) {
      const encoded = Object.prototype.hasOwnProperty.call(index.grams, gram) ? index.grams[gram] : null;
      postingsCache.set(gram, encoded === null ? [] : decode(encoded));
    }
    return postingsCache.get(gram);
  };

  const intersect = (a, b) => {
    const out = [];
    let i = 0;
    let j = 0;
    while (i < a.length && j < b.length) {
      if (a[i] === b[j]) {
        out.push(a[i]);
        i++;
        j++;
      } else if (a[i] < b[j]) i++;
      else j++;
    }
    return out;
  };

  /** Pages that contain every bigram of the term (null: every page, for a one-letter term). */
  const candidatesOf = (term) => {
    if (term.length < 2) return null;
    const grams = new Set();
    for (let i = 0; i + 1 < term.length; i++) grams.add(term.slice(i, i + 2));
    const lists = [...grams].map(postings).sort((a, b) => a.length - b.length);
    return lists.reduce((acc, list) => (acc.length ? intersect(acc, list) : acc));
  };

  const loadChunk = (n) => {
    if (!chunkPromises.has(n)) {
      chunkPromises.set(
        n,
        new Promise((resolve, reject) => {
          chunkResolvers.set(n, resolve);
          const element = document.createElement("script");
          element.src = new URL(index.chunks[n], base).href;
          element.onerror = () => {
            chunkPromises.delete(n);
            reject(new Error(`cannot load ${index.chunks[n]}`));
          };
          document.head.appendChild(element);
        }),
      );
    }
    return chunkPromises.get(n);
  };

  const count = (haystack, needle) => {
    let n = 0;
    for (let at = haystack.indexOf(needle); at >= 0; at = haystack.indexOf(needle, at + needle.length)) n++;
    return n;
  };

  /** Does the needle occur in the text as a whole word (bounded by spaces or the ends)? */
  const wholeWord = (text, needle) => {
    for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + 1)) {
      const before = at === 0 || text[at - 1] === " ";
      const after = at + needle.length === text.length || text[at + needle.length] === " ";
      if (before && after) return true;
    }
    return false;
  };

  /** Position in the shown text of a position in the folded text (they differ where NFKC or
   * lower-casing changed a character's length, which is rare). */
  const shownOffset = (page, folded) => {
    if (page.folded.length === page.text.length) return folded;
    if (!page.map) {
      const map = [];
      let i = 0;
      for (const char of page.text) {
        for (let k = 0; k < fold(char).length; k++) map.push(i);
        i += char.length;
      }
      page.map = map.length === page.folded.length ? map : [];
    }
    if (page.map.length) return page.map[Math.min(folded, page.map.length - 1)];
    return Math.round((folded * page.text.length) / page.folded.length);
  };

  /** Where the text below the page's title starts (after the banner and the title). Offsets of
   * sections are positions in the shown text, equal to those in the folded text but where folding
   * changed a length (rare; then only a snippet starts a little off). */
  const bodyStart = (page) => {
    if (!page.sections.length) return 0;
    const [offset, , heading] = page.sections[0];
    const at = page.text.indexOf(heading, offset);
    return at < 0 ? offset : at + heading.length;
  };

  const sectionAt = (page, offset) => {
    let found = null;
    for (const section of page.sections) {
      if (section[0] <= offset) found = section;
      else break;
    }
    return found;
  };

  /** Rank: a page whose title holds the query as a word, then one whose title contains it (or
   * every word of it); then by occurrences of the query, then of its words; a page with a section
   * heading that contains the query before one without. */
  const rank = (number, phrase, terms) => {
    const page = pages[number];
    const title = fold(index.pages[number][1]);
    const documentNumber = fold(index.pages[number][3] || "");
    const counts = terms.map((term) => count(page.folded, term));
    if (counts.some((c) => c === 0)) return null;
    const phraseCount = terms.length > 1 ? count(page.folded, phrase) : counts[0];
    let tier = 3;
    if (wholeWord(title, phrase) || documentNumber === phrase) tier = 0;
    else if (title.includes(phrase)) tier = 1;
    else if (terms.length > 1 && terms.every((term) => title.includes(term))) tier = 2;
    let heading = null;
    for (const section of page.sections.slice(1)) {
      const folded = fold(section[2]);
      if (folded.includes(phrase) && (!heading || (wholeWord(folded, phrase) && !wholeWord(fold(heading[2]), phrase)))) heading = section;
    }
    // The first occurrence after the page's own title (and the banner before it), for the snippet.
    const needle = phraseCount ? phrase : terms[counts.findIndex((c) => c > 0)];
    const body = bodyStart(page);
    let first = page.folded.indexOf(needle, body);
    if (first < 0) first = page.folded.indexOf(needle);
    const section = heading || sectionAt(page, first);
    const inner = section && section !== page.sections[0];
    return {
      number,
      tier,
      phraseCount,
      total: counts.reduce((a, b) => a + b, 0),
      heading: heading ? 0 : 1,
      first,
      anchor: inner ? section[1] : "",
      sectionTitle: inner ? section[2] : "",
    };
  };

  const compare = (a, b) =>
    a.tier - b.tier
    || b.phraseCount - a.phraseCount
    || b.total - a.total
    || a.heading - b.heading
    || index.pages[a.number][1].length - index.pages[b.number][1].length
    || a.number - b.number;

  /** The results of a query, best first: [{number, tier, phraseCount, total, first, anchor, ...}]. */
  const search = async (query) => {
    await indexLoaded;
    const started = performance.now();
    const phrase = fold(query).trim();
    const terms = [...new Set(phrase.split(" ").filter((term) => term))];
    if (!terms.length) return { phrase, terms, results: [], ms: 0 };
    let candidates = null;
    for (const term of terms) {
      const found = candidatesOf(term);
      if (found !== null) candidates = candidates === null ? found : intersect(candidates, found);
    }
    if (candidates === null) candidates = index.pages.map((_, i) => i);
    const chunks = new Set(candidates.map((n) => index.pages[n][2]));
    await Promise.all([...chunks].map(loadChunk));
    const results = candidates.map((n) => rank(n, phrase, terms)).filter((r) => r !== null);
    results.sort(compare);
    return { phrase, terms, results, candidates: candidates.length, chunks: chunks.size, ms: performance.now() - started };
  };

  // --------------------------------------------------------------------------- the search page

  const labels = () => {
    const node = document.getElementById("isms-search-labels");
    return node ? JSON.parse(node.textContent) : {};
  };

  const format = (template, values) => template.replace(/\{(\w+)\}/g, (_, key) => String(values[key]));

  /** The text around the first occurrence, every term marked (as text nodes and <mark>s). */
  const IDENTIFIER = /[A-Za-z0-9]+(?:[-./][A-Za-z0-9]+)+/g; // as isms.render.html.extension marks them
  const LATIN = /[A-Za-z0-9\-./]/;

  /** The text around the first occurrence, every term marked, identifiers kept whole: text nodes,
   * <mark>s and <span class="isms-id">s only. */
  const snippet = (page, result, terms) => {
    const at = shownOffset(page, result.first);
    // Not back into the banner and the page's title when the match is in the text below them.
    const body = bodyStart(page);
    const floor = at >= body ? body : 0;
    let start = Math.max(floor, at - 60);
    let end = Math.min(page.text.length, at + 140);
    // not in the middle of a word or an identifier
    while (start > floor && LATIN.test(page.text[start - 1]) && LATIN.test(page.text[start])) start--;
    while (end < page.text.length && LATIN.test(page.text[end - 1]) && LATIN.test(page.text[end])) end++;
    const shown = page.text.slice(start, end);
    const folded = fold(shown);
    // Mark the terms in the folded snippet; map back by position when folding kept the length.
    const marks = [];
    if (folded.length === shown.length) {
      for (const term of terms) {
        for (let i = folded.indexOf(term); i >= 0; i = folded.indexOf(term, i + term.length)) marks.push([i, i + term.length]);
      }
    }
    marks.sort((a, b) => a[0] - b[0]);
    const kept = [];
    for (const mark of marks) if (!kept.length || mark[0] >= kept[kept.length - 1][1]) kept.push(mark);
    /** shown[from, to) into parent, the marked parts in <mark>s. */
    const appendMarked = (parent, from, to) => {
      let position = from;
      for (const [a, b] of kept) {
        if (b <= position || a >= to) continue;
        const markFrom = Math.max(a, position);
        const markTo = Math.min(b, to);
        if (markFrom > position) parent.append(shown.slice(position, markFrom));
        const mark = document.createElement("mark");
        mark.textContent = shown.slice(markFrom, markTo);
        parent.append(mark);
        position = markTo;
      }
      if (position < to) parent.append(shown.slice(position, to));
    };
    const paragraph = document.createElement("p");
    paragraph.className = "context";
    if (start > 0) paragraph.append("…");
    let position = 0;
    for (const match of shown.matchAll(IDENTIFIER)) {
      appendMarked(paragraph, position, match.index);
      const id = document.createElement("span");
      id.className = "isms-id";
      appendMarked(id, match.index, match.index + match[0].length);
      paragraph.append(id);
      position = match.index + match[0].length;
    }
    appendMarked(paragraph, position, shown.length);
    if (end < page.text.length) paragraph.append("…");
    return paragraph;
  };

  const render = (outcome, text) => {
    const status = document.getElementById("isms-search-status");
    const list = document.getElementById("isms-search-results");
    list.replaceChildren();
    document.querySelectorAll(".isms-search-more").forEach((button) => button.remove());
    if (!outcome.terms.length) {
      status.textContent = "";
      return;
    }
    const words = labels();
    status.textContent = outcome.results.length
      ? format(words.count || "{count}", { count: outcome.results.length, query: text })
      : format(words.none || "—", { query: text });
    const root = document.documentElement.dataset.content_root || "";
    const highlight = encodeURIComponent(outcome.terms.join(" "));
    const show = (from) => {
      for (const result of outcome.results.slice(from, from + RESULTS_SHOWN)) list.append(item(result, outcome, highlight, root, words));
      const rest = outcome.results.length - from - RESULTS_SHOWN;
      if (rest > 0) {
        const more = document.createElement("button");
        more.type = "button";
        more.className = "isms-search-more";
        more.textContent = format(words.more || "+{count}", { count: rest });
        more.addEventListener("click", () => {
          more.remove();
          show(from + RESULTS_SHOWN);
        });
        list.after(more);
      }
    };
    show(0);
  };

  const item = (result, outcome, highlight, root, words) => {
    const [name, title] = index.pages[result.number];
    const page = pages[result.number];
    const entry = document.createElement("li");
    const link = document.createElement("a");
    link.href = `${root}${name}.html?highlight=${highlight}${result.anchor ? "#" + encodeURIComponent(result.anchor) : ""}`;
    link.textContent = title;
    entry.append(link);
    if (result.sectionTitle) {
      const section = document.createElement("span");
      section.className = "isms-search-section";
      section.textContent = result.sectionTitle;
      entry.append(" ", section);
    }
    const hits = document.createElement("span");
    hits.className = "isms-search-hits";
    hits.textContent = format(words.hits || "{count}", { count: result.total });
    entry.append(" ", hits);
    entry.append(snippet(page, result, outcome.terms));
    return entry;
  };

  let latest = 0;
  const run = async (text) => {
    const ticket = ++latest;
    const status = document.getElementById("isms-search-status");
    if (text.trim()) status.textContent = labels().searching || "";
    const started = performance.now();
    let outcome;
    try {
      outcome = await search(text);
    } catch (error) {
      status.textContent = String(error.message || error);
      return;
    }
    if (ticket !== latest) return;
    render(outcome, text.trim());
    // For the tests and the curious: what the last query cost, rendering included.
    api.last = {
      query: text,
      hits: outcome.results.length,
      candidates: outcome.candidates,
      chunks: outcome.chunks,
      searchMs: outcome.ms,
      totalMs: performance.now() - started,
      pages: outcome.results.map((r) => index.pages[r.number][0]),
      occurrences: outcome.results.map((r) => r.phraseCount),
      inTitle: outcome.results.map((r) => r.tier < 2),
    };
    document.dispatchEvent(new CustomEvent("isms-search-done", { detail: api.last }));
  };

  const start = () => {
    const form = document.getElementById("isms-search-form");
    if (!form) return;
    const input = form.querySelector('input[name="q"]');
    const query = new URLSearchParams(window.location.search).get("q") || "";
    document.querySelectorAll('input[name="q"]').forEach((el) => (el.value = query));
    let timer = null;
    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        try {
          const params = new URLSearchParams({ q: input.value });
          history.replaceState(null, "", `?${params}`);
        } catch (error) {
          // file:// pages may refuse to change their address; the search runs all the same
        }
        run(input.value);
      }, 150);
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      clearTimeout(timer);
      run(input.value);
    });
    if (query) run(query);
    // The texts not loaded yet follow one chunk at a time while the browser is idle: the next
    // query finds them in memory.
    indexLoaded.then(() => idle(preload));
  };

  const idle = (work) => (window.requestIdleCallback ? window.requestIdleCallback(work, { timeout: 3000 }) : setTimeout(work, 50));
  const preload = () => {
    const next = index.chunks.findIndex((_, n) => !chunkPromises.has(n));
    if (next >= 0) loadChunk(next).then(() => idle(preload), () => {});
  };

  const api = {
    fold,
    search,
    run,
    last: null,
    setIndex: (data) => {
      index = data;
      indexReady();
    },
    addChunk: (data) => {
      data.pages.forEach(([text, sections, nfkc], k) => {
        pages[data.first + k] = new Page(text, sections, nfkc === 1);
      });
      const resolve = chunkResolvers.get(data.chunk);
      if (resolve) resolve();
    },
    loadAll: async () => {
      await indexLoaded;
      await Promise.all(index.chunks.map((_, n) => loadChunk(n)));
    },
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
  return api;
})();
