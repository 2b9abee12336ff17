--[[ lua/gglab/report/html.lua — the HTML side of `gglab report`: escaping, the page skeleton with
  its stylesheet, and the small script that sorts tables by a clicked column.

  Every string that comes from a script, a CSV or a manifest goes through escape() before
  it reaches the page, in text and in attribute values alike, so a parameter value such
  as "<script>" shows as text. The page loads nothing: no network, no external scripts,
  fonts or images; it prints legibly (figures are not split across pages). ]]
local gg = require "gglab"

local M = {}

local ENTITIES = { ["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;", ['"'] = "&quot;", ["'"] = "&#39;" }

--[[ escape(s) -> s with & < > " ' replaced by entities: safe as element text and as a
  quoted attribute value. Non-strings are converted with tostring first. ]]
function M.escape(s)
  return (tostring(s):gsub("[&<>\"']", ENTITIES))
end

local CSS = [[
:root { --ok: #2e7d32; --div: #c62828; --fail: #6a1b9a; --muted: #666; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
  margin: 0 auto; max-width: 1260px; padding: 16px 24px 48px; color: #111; background: #fff; }
h1 { font-size: 24px; margin: 8px 0 4px; } h2 { font-size: 18px; margin: 28px 0 8px;
  border-bottom: 1px solid #ddd; padding-bottom: 3px; }
.desc { font-size: 15px; margin: 4px 0 12px; } .muted, figcaption { color: var(--muted); }
code, .mono, td.num, td.id { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12.5px; }
dl.prov { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 0; }
dl.prov dt { color: var(--muted); } dl.prov dd { margin: 0; overflow-wrap: anywhere; }
ul.claims { padding-left: 0; list-style: none; } ul.claims li { margin: 4px 0; }
.verdict { display: inline-block; min-width: 9em; font-weight: 600; }
.holds { color: var(--ok); } .fails { color: var(--div); } .undecided { color: var(--muted); }
.counts span { margin-right: 14px; }
figure { margin: 14px 0 22px; break-inside: avoid; page-break-inside: avoid; }
figcaption { font-size: 13px; margin: 4px 0 6px; }
figcaption b { color: #111; }
.panels { display: grid; grid-template-columns: repeat(auto-fill, minmax(330px, 1fr)); gap: 6px 12px; }
.panels.heat { display: flex; flex-wrap: wrap; }
svg.panel { width: 100%; max-width: 480px; height: auto; }
svg.heat { width: 100%; height: auto; } svg.cbar { width: 340px; max-width: 100%; height: auto; display: block; }
svg text { font-family: system-ui, "DejaVu Sans", sans-serif; }
.tick { font-size: 10px; fill: #333; } .alabel { font-size: 11px; fill: #111; }
.ptitle { font-size: 12px; font-weight: 600; fill: #111; } .cellv { font-size: 9.5px; }
.grid { stroke: #e4e4e4; stroke-width: 1; } .grid.minor { stroke: #f0f0f0; }
.frame { fill: none; stroke: #999; stroke-width: 1; }
.line { fill: none; stroke-width: 1.6; stroke-linejoin: round; }
.line.partial { stroke-width: 1; stroke-dasharray: 4 3; }
.drop { fill: #fff; stroke-width: 1.3; }
.dot { stroke: #fff; stroke-width: 0.6; } .mean { stroke-width: 2.4; fill: none; }
.band { opacity: 0.16; stroke: none; }
.div { stroke-width: 1.8; fill: none; }
.cell { stroke: #fff; stroke-width: 1; }
.legend { display: flex; flex-wrap: wrap; gap: 2px 14px; font-size: 12.5px; margin: 2px 0 6px; }
.legend i { display: inline-block; width: 18px; height: 4px; vertical-align: middle; margin-right: 5px; }
.legend i.dash { height: 0; border-top: 2px dashed #555; background: none; }
.legend i.o { width: auto; height: auto; font-style: normal; color: #555; }
.legend i.x { width: auto; height: auto; color: var(--div); font-weight: 700; font-style: normal; }
table { border-collapse: collapse; font-size: 13px; }
th, td { border-bottom: 1px solid #e6e6e6; padding: 3px 8px; text-align: left; vertical-align: top; }
td.num { text-align: right; white-space: nowrap; } th { background: #f6f6f6; position: sticky; top: 0; white-space: nowrap; }
table.sortable th { cursor: pointer; user-select: none; }
pre.doctor { font: 12px/1.35 monospace; white-space: pre; overflow-x: auto; background: #f6f6f6; padding: 8px; }
table.sortable th::after { content: " \2195"; color: #bbb; font-size: 11px; }
table.sortable th[aria-sort=ascending]::after { content: " \25B2"; color: #333; }
table.sortable th[aria-sort=descending]::after { content: " \25BC"; color: #333; }
tr.st-diverged td.status { color: var(--div); font-weight: 600; }
tr.st-failed td.status { color: var(--fail); font-weight: 600; }
tr.st-failed { background: #faf5fc; } tr.st-diverged { background: #fdf6f6; }
td.err { max-width: 420px; overflow-wrap: anywhere; }
.tablewrap { max-height: 640px; overflow: auto; border: 1px solid #e6e6e6; }
.note { background: #fff8e1; border-left: 4px solid #f9a825; padding: 6px 10px; margin: 10px 0; }
@media print {
  body { max-width: none; padding: 0; font-size: 11px; }
  .tablewrap { max-height: none; overflow: visible; border: 0; }
  th { position: static; }
  .panels { grid-template-columns: repeat(3, 1fr); }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
]]

-- First in <head>: marks the page when a script error occurs (data-errors: its message) or the browser
-- blocks something under the Content-Security-Policy (data-csp: the directive and what it
-- blocked); the browser test reads both.
local HEAD_SCRIPT = [[
window.addEventListener("error", function (e) {
  document.documentElement.setAttribute("data-errors", String(e.message || "1"));
});
document.addEventListener("securitypolicyviolation", function (e) {
  document.documentElement.setAttribute("data-csp", e.violatedDirective + " " + e.blockedURI);
});
]]

-- Sorts a table.sortable by the clicked header: numbers (inf, nan too) numerically,
-- everything else as text; empty cells last. Marks the page as loaded (data-ready).
local SCRIPT = [[
(function () {
  function key(td) {
    var s = td.textContent.trim();
    if (s === "") return { e: 1 };
    var n = s === "inf" ? Infinity : s === "-inf" ? -Infinity : s === "nan" ? NaN : Number(s);
    return { e: 0, s: s, n: n, num: !isNaN(n) || s === "nan" };
  }
  function cmp(a, b) {
    if (a.e || b.e) return a.e - b.e;
    if (a.num && b.num) {
      var an = isNaN(a.n), bn = isNaN(b.n);
      if (an || bn) return an - bn;
      return a.n < b.n ? -1 : a.n > b.n ? 1 : 0;
    }
    return a.s < b.s ? -1 : a.s > b.s ? 1 : 0;
  }
  function sort(table, col, th) {
    var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
    var ths = table.tHead.rows[0].cells;
    for (var i = 0; i < ths.length; i++) ths[i].removeAttribute("aria-sort");
    th.setAttribute("aria-sort", dir > 0 ? "ascending" : "descending");
    var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
    var keyed = rows.map(function (r, i) { return { r: r, k: key(r.cells[col]), i: i }; });
    keyed.sort(function (a, b) {
      var c = cmp(a.k, b.k);
      if (a.k.e || b.k.e) return c || a.i - b.i;
      return dir * c || a.i - b.i;
    });
    keyed.forEach(function (x) { body.appendChild(x.r); });
  }
  var tables = document.querySelectorAll("table.sortable");
  for (var t = 0; t < tables.length; t++) {
    (function (table) {
      var ths = table.tHead.rows[0].cells;
      for (var c = 0; c < ths.length; c++) {
        (function (col, th) {
          th.addEventListener("click", function () { sort(table, col, th); });
        })(c, ths[c]);
      }
    })(tables[t]);
  }
  document.body.setAttribute("data-ready", "1");
})();
]]

local B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

-- base64(bytes) -> the standard base64 text (with = padding).
local function base64(s)
  local out = {}
  for i = 1, #s, 3 do
    local a, b, c = s:byte(i, i + 2)
    local n = (a << 16) | ((b or 0) << 8) | (c or 0)
    local k = #out
    for j = 1, 4 do
      local d = (n >> (6 * (4 - j))) & 63
      out[k + j] = B64:sub(d + 1, d + 1)
    end
    if not b then
      out[k + 3], out[k + 4] = "=", "="
    elseif not c then
      out[k + 4] = "="
    end
  end
  return table.concat(out)
end
M.base64 = base64

--[[ csp_source(js) -> "'sha256-<base64>'": the CSP source that lets exactly this inline
  script (the text between <script> and </script>) run. ]]
function M.csp_source(js)
  local hex = gg.sha256(js)
  return "'sha256-" .. base64((hex:gsub("%x%x", function(h) return string.char(tonumber(h, 16)) end))) .. "'"
end

--[[ page(title, body [, extra]) -> the whole HTML document: title (plain text, escaped
  here) and body (HTML, already escaped by the caller), with the stylesheet and the scripts
  inline. extra (the interactive report): css (appended to the stylesheet), json (the data,
  already safe inside <script type="application/json" id="gg-data">), scripts (inline
  scripts run after the sorting script, in order). The Content-Security-Policy lets exactly
  these scripts run, by their SHA-256: nothing else, inline or fetched. ]]
function M.page(title, body, extra)
  extra = extra or {}
  -- Each script element holds "\n" .. its script: that text is what the hash covers.
  local scripts = { "\n" .. SCRIPT }
  for _, js in ipairs(extra.scripts or {}) do scripts[#scripts + 1] = "\n" .. js end
  local head = "\n" .. HEAD_SCRIPT
  local hashes = { M.csp_source(head) }
  for _, js in ipairs(scripts) do hashes[#hashes + 1] = M.csp_source(js) end
  local tail = {}
  if extra.json then tail[1] = '<script type="application/json" id="gg-data">' .. extra.json .. "</script>" end
  for _, js in ipairs(scripts) do tail[#tail + 1] = "<script>" .. js .. "</script>" end
  return table.concat({
    "<!DOCTYPE html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    -- Nothing may be fetched and only these scripts may run: the page is self-contained by
    -- construction, and this says so.
    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
      .. "style-src 'unsafe-inline'; script-src " .. table.concat(hashes, " ") .. "; img-src data:\">",
    "<title>" .. M.escape(title) .. "</title>",
    "<style>\n" .. CSS .. (extra.css or "") .. "</style>",
    "<script>" .. head .. "</script>",
    "</head>",
    "<body>",
    body,
    table.concat(tail, "\n"),
    "</body>",
    "</html>",
    "",
  }, "\n")
end

--[[ table_html(columns, rows, opts) -> a <table>: columns = { {label, class = td class
  or nil}, ... }, rows = { {cells = {text, ...}, class = tr class or nil}, ... }. Cell
  texts are plain and escaped here. opts.sortable adds the click-to-sort behaviour. ]]
function M.table_html(columns, rows, opts)
  opts = opts or {}
  local out = { string.format('<table%s>', opts.sortable and ' class="sortable"' or ""), "<thead><tr>" }
  for _, c in ipairs(columns) do out[#out + 1] = "<th>" .. M.escape(c.label) .. "</th>" end
  out[#out + 1] = "</tr></thead><tbody>"
  for _, r in ipairs(rows) do
    local tds = {}
    for i, c in ipairs(columns) do
      local cls = c.class and string.format(' class="%s"', M.escape(c.class)) or ""
      tds[i] = "<td" .. cls .. ">" .. M.escape(r.cells[i] or "") .. "</td>"
    end
    out[#out + 1] = (r.class and string.format('<tr class="%s">', M.escape(r.class)) or "<tr>") .. table.concat(tds)
      .. "</tr>"
  end
  out[#out + 1] = "</tbody></table>"
  return table.concat(out, "\n")
end

return M
