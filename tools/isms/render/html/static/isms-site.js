/*
 * Loaded on every page of the ISMS site, after Sphinx's doctools.js and before translations.js.
 *
 * Sphinx's Documentation.addTranslations compiles the catalogue's plural rule with new Function(),
 * which the pages' Content-Security-Policy refuses (no eval): every page threw an error and the
 * interface words of Sphinx's scripts stayed untranslated. The same, without compiling: the plural
 * rules of the site's languages are known (Japanese has one form, English two).
 */
"use strict";
if (typeof Documentation !== "undefined") {
  Documentation.addTranslations = (catalog) => {
    Object.assign(Documentation.TRANSLATIONS, catalog.messages);
    const rule = String(catalog.plural_expr).replace(/\s+/g, "");
    Documentation.PLURAL_EXPR = rule === "0" ? () => 0 : (n) => (n === 1 ? 0 : 1);
    Documentation.LOCALE = catalog.locale;
  };
}
