/* auditor report: the page's only script, inlined verbatim and allowed by its SHA-256.
   It enhances server-rendered tables (sorting, filtering, the category chooser, copy buttons) and
   never turns text into markup: it uses textContent and DOM nodes only (Trusted Types enforce it). */
(function () {
  "use strict";
  var doc = document;
  var data = {};
  try {
    data = JSON.parse(doc.getElementById("data").textContent || "{}");
  } catch (e) {
    data = {};
  }
  var categories = data.categories || {};

  function each(list, fn) {
    Array.prototype.forEach.call(list, fn);
  }

  /* ---- sorting ---------------------------------------------------------------------------- */
  function cellKey(cell) {
    if (!cell) return "";
    var s = cell.getAttribute("data-s");
    if (s !== null) return s;
    var level = /(?:^| )l(\d)(?: |$)/.exec(cell.className);  /* matrix cells: the access level's rank */
    return level ? level[1] : cell.textContent.trim().toLowerCase();
  }

  function sortTable(table, col, th) {
    var body = table.tBodies[0];
    if (!body) return;
    var rows = Array.prototype.slice.call(body.rows);
    var keys = rows.map(function (r) { return cellKey(r.cells[col]); });
    var numeric = keys.every(function (k) { return k === "" || isFinite(Number(k)); });
    var current = th.getAttribute("aria-sort");
    var dir;
    if (current === "descending") dir = "ascending";
    else if (current === "ascending") dir = "descending";
    else dir = numeric ? "descending" : "ascending";
    each(th.parentNode.cells, function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", dir);
    var sign = dir === "ascending" ? 1 : -1;
    var order = rows.map(function (r, i) { return i; });
    order.sort(function (a, b) {
      var x = keys[a], y = keys[b];
      if (x === "" && y !== "") return 1;
      if (y === "" && x !== "") return -1;
      var c;
      if (numeric) c = Number(x) - Number(y);
      else c = x < y ? -1 : x > y ? 1 : 0;
      return c !== 0 ? sign * c : a - b;
    });
    var frag = doc.createDocumentFragment();
    order.forEach(function (i) { frag.appendChild(rows[i]); });
    body.appendChild(frag);
  }

  function makeSortable(table) {
    if (table.getAttribute("data-sortable") === "1" || !table.tHead) return;
    table.setAttribute("data-sortable", "1");
    var head = table.tHead.rows[table.tHead.rows.length - 1];
    each(head.cells, function (th, col) {
      var button = doc.createElement("button");
      button.type = "button";
      button.className = "sort";
      while (th.firstChild) button.appendChild(th.firstChild);
      button.setAttribute("aria-label", "Sort by " + button.textContent.trim());
      th.appendChild(button);
      button.addEventListener("click", function () { sortTable(table, col, th); });
    });
  }

  /* ---- filtering --------------------------------------------------------------------------- */
  function filterItems(target) {
    if (target.tBodies) return Array.prototype.slice.call(target.tBodies[0].rows);
    return Array.prototype.slice.call(target.querySelectorAll(":scope > details"));
  }

  var texts = new WeakMap();  /* lower-cased search text per row, read once */

  function itemText(item) {
    var text = texts.get(item);
    if (text === undefined) {
      var source = item.tagName === "DETAILS" ? item.querySelector("summary") : item.cells[0];
      text = (source || item).textContent.toLowerCase();
      texts.set(item, text);
    }
    return text;
  }

  function setupFilter(input) {
    var target = doc.getElementById(input.getAttribute("data-filter"));
    var status = doc.getElementById(input.getAttribute("aria-describedby") || "");
    if (!target) return;
    function apply() {
      var q = input.value.trim().toLowerCase();
      var shown = 0, total = 0;
      filterItems(target).forEach(function (item) {
        var hit = q === "" || itemText(item).indexOf(q) !== -1;
        if (item.hidden === hit) item.hidden = !hit;
        if (!originShown(item)) return;  /* hidden by the origin filter: not counted either way */
        total += 1;
        if (hit) shown += 1;
      });
      if (status) status.textContent = q === "" ? total + " apps" : shown + " of " + total + " apps match";
    }
    input.addEventListener("input", apply);
    apply();
  }

  /* ---- origin filter: which apps the reach lists show ------------------------------------- */
  var hiddenOrigins = {};  /* origin -> true while unchecked; rows are hidden by a class on their section */

  function originShown(el) {
    var origin = el.getAttribute("data-origin");
    return !origin || !hiddenOrigins[origin];
  }

  function recount() {
    each(doc.querySelectorAll("details.cat"), function (d) {
      var cat = d.id.slice("cat-".length);
      var n = Array.prototype.filter.call(d.querySelectorAll("tbody tr[data-origin]"), originShown).length;
      d.setAttribute("data-n", String(n));
      each(doc.querySelectorAll("[data-count]"), function (s) {
        if (s.getAttribute("data-count") === cat) s.textContent = String(n);
      });
    });
  }

  function setupOrigins(box) {
    var section = box.closest("section") || doc.body;
    var inputs = box.querySelectorAll('input[name="origin"]');
    function apply() {
      each(inputs, function (i) {
        hiddenOrigins[i.value] = !i.checked;
        section.classList.toggle("hide-" + i.value, !i.checked);
      });
      recount();
      each(section.querySelectorAll("input[data-filter]"), function (f) { f.dispatchEvent(new Event("input")); });
    }
    each(inputs, function (i) { i.addEventListener("change", apply); });
    apply();
  }

  /* ---- the category chooser ---------------------------------------------------------------- */
  function setupChooser(group) {
    var buttons = group.querySelectorAll("button[data-cat]");
    var status = doc.getElementById("cat-status");
    function choose(cat) {
      each(buttons, function (b) {
        var on = b.getAttribute("data-cat") === cat;
        b.setAttribute("aria-pressed", on ? "true" : "false");
        var panel = doc.getElementById("cat-" + b.getAttribute("data-cat"));
        if (!panel) return;
        panel.hidden = !on && cat !== "";
        panel.open = on;
        if (on) makeSortable(panel.querySelector("table") || doc.createElement("table"));
      });
      if (status) {
        var panel = cat ? doc.getElementById("cat-" + cat) : null;
        var n = panel ? panel.getAttribute("data-n") : null;
        status.textContent = cat ? (categories[cat] || cat) + ": " + n + " apps reach it" : "All categories shown";
      }
    }
    each(buttons, function (b) {
      b.addEventListener("click", function () {
        var cat = b.getAttribute("data-cat");
        choose(b.getAttribute("aria-pressed") === "true" ? "" : cat);
      });
    });
  }

  /* ---- per-app detail ---------------------------------------------------------------------- */
  function openTarget() {
    var id = decodeURIComponent((location.hash || "").slice(1));
    if (!id) return;
    var el = doc.getElementById(id);
    if (el && el.tagName === "DETAILS") {
      el.hidden = false;
      el.open = true;
      el.scrollIntoView();
    }
  }

  function setupApps() {
    var list = doc.getElementById("applist");
    /* toggle does not bubble; one capturing listener serves every app (thousands on a large device) */
    if (list) list.addEventListener("toggle", function (e) {
      var d = e.target;
      if (d.open && d.classList && d.classList.contains("app")) each(d.querySelectorAll("table.sortable"), makeSortable);
    }, true);
    var expand = doc.getElementById("expand-all");
    var collapse = doc.getElementById("collapse-all");
    if (expand) expand.addEventListener("click", function () {
      each(doc.querySelectorAll("details.app"), function (d) { if (!d.hidden) d.open = true; });
    });
    if (collapse) collapse.addEventListener("click", function () {
      each(doc.querySelectorAll("details.app"), function (d) { d.open = false; });
    });
  }

  /* ---- copy buttons (the clipboard is touched only on a click) ------------------------------ */
  function setupCopy(button) {
    button.addEventListener("click", function () {
      var code = button.parentNode.querySelector("code");
      if (!code) return;
      var text = code.textContent;
      function done(ok) {
        button.textContent = ok ? "Copied" : "Select and copy";
        setTimeout(function () { button.textContent = "Copy"; }, 1500);
      }
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(text).then(function () { done(true); }, function () { select(code); done(false); });
      } else {
        select(code);
        done(false);
      }
    });
  }

  function select(node) {
    var range = doc.createRange();
    range.selectNodeContents(node);
    var sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
  }

  /* ---- printing: every detail open on paper ------------------------------------------------ */
  var openedForPrint = [];
  window.addEventListener("beforeprint", function () {
    each(doc.querySelectorAll("details"), function (d) {
      if (!d.open) { d.open = true; openedForPrint.push(d); }
    });
  });
  window.addEventListener("afterprint", function () {
    openedForPrint.forEach(function (d) { d.open = false; });
    openedForPrint = [];
  });

  /* ---- start ------------------------------------------------------------------------------- */
  each(doc.querySelectorAll("[data-js]"), function (el) { el.hidden = false; });
  each(doc.querySelectorAll("table.sortable"), function (t) {
    if (!t.closest("details.app") && !t.closest("details.cat")) makeSortable(t);
  });
  each(doc.querySelectorAll("input[data-filter]"), setupFilter);
  each(doc.querySelectorAll("fieldset.origins"), setupOrigins);
  each(doc.querySelectorAll(".chooser"), setupChooser);
  each(doc.querySelectorAll("button.copy"), setupCopy);
  each(doc.querySelectorAll("details.cat"), function (d) {
    d.addEventListener("toggle", function () { if (d.open) makeSortable(d.querySelector("table") || doc.createElement("table")); });
  });
  setupApps();
  window.addEventListener("hashchange", openTarget);
  openTarget();
  doc.documentElement.setAttribute("data-ready", String(Math.round(performance.now())));
})();
