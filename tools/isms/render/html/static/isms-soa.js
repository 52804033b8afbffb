/*
 * Statement of Applicability filters: theme, applicability, status and each ISO/IEC 27002 attribute.
 * Runs in the browser without a server; the data is embedded in the page as JSON.
 */
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("isms-soa-filter");
  const dataNode = document.getElementById("isms-soa-data");
  const table = document.querySelector("table.isms-soa");
  if (!form || !dataNode || !table) return;
  const data = new Map(JSON.parse(dataNode.textContent).map((row) => [row.id, row]));
  const rows = Array.from(table.tBodies[0].rows);
  rows.forEach((tr) => {
    tr.dataset.control = tr.cells[0].textContent.trim();
  });
  const count = document.getElementById("isms-soa-count");
  const empty = document.getElementById("isms-soa-empty");
  if (empty) (table.closest(".table-wrapper") || table).after(empty);
  const matches = (row, key, wanted) => {
    const value = row[key];
    if (Array.isArray(value)) return value.includes(wanted);
    return String(value) === wanted;
  };
  const apply = () => {
    const filters = Array.from(form.querySelectorAll("select"))
      .filter((s) => s.value)
      .map((s) => [s.dataset.filter, s.value]);
    let shown = 0;
    rows.forEach((tr) => {
      const row = data.get(tr.dataset.control);
      const visible = !!row && filters.every(([key, wanted]) => matches(row, key, wanted));
      tr.hidden = !visible;
      if (visible) shown += 1;
    });
    count.textContent = `${shown} / ${rows.length}`;
    if (empty) empty.hidden = shown > 0;
    const params = new URLSearchParams(filters);
    history.replaceState(null, "", filters.length ? `?${params}` : location.pathname);
  };
  // Filters survive a reload and can be shared as a link (?applicable=false).
  new URLSearchParams(location.search).forEach((value, key) => {
    const select = form.querySelector(`select[data-filter="${key}"]`);
    if (select) select.value = value;
  });
  form.addEventListener("change", apply);
  form.addEventListener("reset", () => setTimeout(apply, 0));
  apply();
});
