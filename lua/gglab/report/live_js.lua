--[[ lua/gglab/report/live_js.lua — the script of the interactive report (report/interactive.lua
  builds its data): filters by parameter value and status, charts drawn with dygraphs (one
  per metric and panel; a line per run, or the mean over seeds with its band (min–max or 95 %
  t-interval) and the
  number of runs it covers), an EMA slider, step/epoch and log/linear switches, a run
  highlighted in every figure, per-run scalars as points and a parallel-coordinates view of
  parameters → score. No string from the data reaches dygraphs (series are named s0, s1...)
  or innerHTML: labels go through textContent, or esc() for dygraphs' tick labels.
  window.gglab = {data, state, charts, render, highlight} is what the browser test drives. ]]
return [==[
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("gg-data").textContent);
  var P = D.params, R = D.runs, V = D.view;
  var pix = {};
  P.forEach(function (p, i) { pix[p.name] = i; });
  var S = { hide: P.map(function () { return {}; }), status: {}, mode: V.band === "ci95" ? "ci95" : "mean",
    x: "step", y: "auto", ema: 0, color: V.color, hl: -1 };
  var charts = [];

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }
  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) { return "&#" + c.charCodeAt(0) + ";"; });
  }
  function fmt(y) {
    if (y === null || y === undefined || isNaN(y)) return "–";
    return String(Number(y.toPrecision(6)));
  }
  function val(r, name) { var i = pix[name]; return P[i].values[r.v[i]]; }
  function label(r, names) {
    return names.map(function (n) { return n + "=" + val(r, n); }).join(" · ");
  }
  function key(r, names) {
    return names.map(function (n) { return ("00000" + r.v[pix[n]]).slice(-6); }).join(".");
  }
  function groupBy(runs, names) {
    var by = {}, list = [];
    runs.forEach(function (r) {
      var k = key(r, names);
      if (!by[k]) { by[k] = { key: k, runs: [], first: r }; list.push(by[k]); }
      by[k].runs.push(r);
    });
    list.sort(function (a, b) { return a.key < b.key ? -1 : a.key > b.key ? 1 : 0; });
    return list;
  }
  function visible(r) {
    if (S.status[r.status]) return false;
    for (var i = 0; i < P.length; i++) if (S.hide[i][r.v[i]]) return false;
    return true;
  }
  function colorOf(r) {
    var i = pix[S.color];
    return i === undefined ? "#1f77b4" : P[i].colors[r.v[i]];
  }
  // What a legend entry toggles: the run's value of the colour parameter.
  function ckey(r) {
    var i = pix[S.color];
    return i === undefined ? "all" : String(r.v[i]);
  }
  R.forEach(function (r, i) { r.i = i; });
  var varying = P.filter(function (p) { return p.values.length > 1; }).map(function (p) { return p.name; });

  // ---- curves ----
  function decode(c) {
    var s = [], e = [];
    if (Array.isArray(c[0])) {
      for (var i = 0; i < c[0][2]; i++) s.push(c[0][0] + i * c[0][1]);
    } else {
      s = c[0].s;
    }
    c[1].forEach(function (run) { for (var k = 0; k < run[1]; k++) e.push(run[0]); });
    var v = c[2].map(function (x) { return x === null ? NaN : x; });
    return { s: s, e: e, v: v };
  }
  // A run's points as shown: per step or per epoch (an epoch's last value), then the EMA
  // m = a*m + (1-a)*y over the finite values (the first one starts it).
  function points(m, r) {
    var raw = m.curves[r.i];
    if (!raw) return null;
    var c = m.dec[r.i] || (m.dec[r.i] = decode(raw));
    var xs = [], ys = [];
    if (S.x === "epoch") {
      for (var i = 0; i < c.s.length; i++) {
        if (c.e[i] === null) continue;
        if (xs.length && xs[xs.length - 1] === c.e[i]) ys[ys.length - 1] = c.v[i];
        else { xs.push(c.e[i]); ys.push(c.v[i]); }
      }
    } else {
      xs = c.s;
      ys = c.v.slice();
    }
    if (S.ema > 0) {
      var a = S.ema, acc = null;
      ys = ys.map(function (y) {
        if (!isFinite(y)) return y;
        acc = acc === null ? y : a * acc + (1 - a) * y;
        return acc;
      });
    }
    return { x: xs, y: ys };
  }
  function finiteOr(y) { return isFinite(y) ? y : null; }

  // The series of a chart: [{name, color, run (index) or runs, x, y, lo, hi, n}].
  function buildSeries(ch) {
    var runs = ch.runs.filter(function (r) { return visible(r) && ch.metric.curves[r.i]; });
    var out = [];
    if (S.mode === "runs") {
      runs.forEach(function (r) {
        var p = points(ch.metric, r);
        out.push({ name: r.id + (S.color ? " (" + label(r, [S.color]) + ")" : ""), color: colorOf(r),
          run: r.i, ck: ckey(r), x: p.x, y: p.y, diverged: r.status === "diverged" });
      });
    } else {
      var names = V.group.filter(function (n) { return n !== "seed"; });
      if (S.color && names.indexOf(S.color) < 0) names.push(S.color);
      names = names.filter(function (n) { return ch.panelNames.indexOf(n) < 0; });
      groupBy(runs, names).forEach(function (g) {
        var acc = {}, xs = [];
        g.runs.forEach(function (r) {
          var p = points(ch.metric, r);
          for (var i = 0; i < p.x.length; i++) {
            var y = p.y[i];
            if (!isFinite(y)) continue;
            var a = acc[p.x[i]];
            if (!a) { a = acc[p.x[i]] = { s: 0, n: 0, lo: y, hi: y, m: 0, m2: 0 }; xs.push(p.x[i]); }
            a.s += y; a.n += 1;
            if (y < a.lo) a.lo = y;
            if (y > a.hi) a.hi = y;
            var d = y - a.m;  // Welford, as lib/stats.lua's acc_add
            a.m += d / a.n;
            a.m2 += d * (y - a.m);
          }
        });
        xs.sort(function (a, b) { return a - b; });
        var s = { name: (names.length ? label(g.first, names) : "all runs") + " (mean of " + g.runs.length +
          " run" + (g.runs.length === 1 ? "" : "s") + ")", color: colorOf(g.first), ck: ckey(g.first),
          runs: g.runs.length,
          x: xs, y: [], lo: [], hi: [], n: [],
          diverged: g.runs.some(function (r) { return r.status === "diverged"; }) };
        xs.forEach(function (x) {
          var a = acc[x];
          if (S.mode === "ci95") {
            // mean ± t(0.975, n-1)·s/√n (just the mean for one run), as the static figures' ci95
            var h = a.n > 1 ? V.t975[Math.min(a.n - 1, V.t975.length) - 1] * Math.sqrt(a.m2 / (a.n - 1) / a.n) : 0;
            s.y.push(a.m); s.lo.push(a.m - h); s.hi.push(a.m + h); s.n.push(a.n);
          } else {
            s.y.push(a.s / a.n); s.lo.push(a.lo); s.hi.push(a.hi); s.n.push(a.n);
          }
        });
        out.push(s);
      });
      var h = S.hl >= 0 ? R[S.hl] : null;
      if (h && runs.indexOf(h) >= 0) {
        var p = points(ch.metric, h);
        out.push({ name: "run " + h.id, color: "#000000", run: h.i, x: p.x, y: p.y, extra: true });
      }
    }
    return out;
  }

  // Rows for dygraphs: the union of the series' x, one column per series (null = no value).
  function table(series, bars, log) {
    var xs = [], seen = {};
    series.forEach(function (s) {
      s.x.forEach(function (x) { if (!seen[x]) { seen[x] = true; xs.push(x); } });
    });
    xs.sort(function (a, b) { return a - b; });
    var row = {};
    var rows = xs.map(function (x, i) {
      row[x] = i;
      var r = [x];
      for (var k = 0; k < series.length; k++) r.push(null);
      return r;
    });
    series.forEach(function (s, k) {
      s.at = {};
      for (var i = 0; i < s.x.length; i++) {
        var y = finiteOr(s.y[i]);
        s.at[s.x[i]] = i;
        if (y === null) continue;
        var lo = s.lo ? s.lo[i] : y;
        // A t-interval reaching 0 or below on a log axis: drawn down to the bottom edge
        // (the hover text still gives the interval).
        if (log && !(lo > 0)) lo = Number.MIN_VALUE;
        rows[row[s.x[i]]][k + 1] = bars ? [lo, y, s.hi ? s.hi[i] : y] : y;
      }
    });
    return rows;
  }

  // The y axis, as the static figures choose it: from the series without a diverged run
  // when there are such series (a blow-up to 1e30 leaves through the top instead of
  // flattening the others); log when nothing is negative and the span exceeds 50x.
  function yAxis(series) {
    var clean = series.filter(function (s) { return !s.diverged; });
    var use = clean.length && clean.length < series.length ? clean : series;
    var lo = Infinity, hi = -Infinity, pos = Infinity, neg = false;
    use.forEach(function (s) {
      s.y.forEach(function (y) {
        if (!isFinite(y)) return;
        if (y < lo) lo = y;
        if (y > hi) hi = y;
        if (y > 0 && y < pos) pos = y;
        if (y < 0) neg = true;
      });
    });
    var log = S.y === "log" || (S.y === "auto" && !neg && pos < Infinity && hi / pos > 50);
    if (use === series || lo > hi) return { log: log, range: null };
    if (log) {
      if (pos === Infinity) return { log: log, range: null };
      return { log: log, range: [pos / 1.25, hi * 1.25] };
    }
    var pad = (hi - lo) * 0.05 || Math.abs(hi) * 0.05 || 1;
    return { log: log, range: [lo - pad, hi + pad] };
  }

  function hover(ch, x, seriesName) {
    var k = Number(String(seriesName).slice(1)), s = ch.series[k];
    if (!s) { ch.info.textContent = ""; return; }
    var i = s.at[x];
    var text = S.x + " " + fmt(x) + " — " + s.name + ": " + fmt(i === undefined ? NaN : s.y[i]);
    if (s.lo && i !== undefined) {
      text += " [" + fmt(s.lo[i]) + ", " + fmt(s.hi[i]) + "] over " + s.n[i] + " of " + s.runs + " runs";
    }
    ch.info.textContent = text;
  }

  function renderCurves(ch) {
    var series = buildSeries(ch).filter(function (s) { return !ch.off[s.ck] || s.extra; });
    ch.series = series;
    var bars = S.mode !== "runs";
    var ya = yAxis(series);
    var rows = table(series, bars, ya.log);
    legend(ch);
    if (!rows.length) {
      if (ch.g) { ch.g.destroy(); ch.g = null; }
      ch.div.textContent = "no visible run logged " + ch.metric.name + " here";
      return;
    }
    var labels = ["x"], colors = [], sopts = {};
    series.forEach(function (s, k) {
      labels.push("s" + k);
      colors.push(s.color);
      if (s.run === S.hl && s.run !== undefined) sopts["s" + k] = { strokeWidth: s.extra ? 2 : 3.5 };
      if (s.extra) sopts["s" + k] = { strokeWidth: 2, strokePattern: [6, 3] };
    });
    var opts = { file: rows, labels: labels, colors: colors, series: sopts, customBars: bars, logscale: ya.log,
      valueRange: ya.range, axes: { y: { axisLabelWidth: 62 } }, xlabel: S.x, legend: "never",
      connectSeparatedPoints: S.mode === "runs", highlightSeriesOpts: { strokeWidth: 2.5 },
      highlightSeriesBackgroundAlpha: 0.6, strokeWidth: 1.4, fillAlpha: 0.12,
      highlightCallback: function (e, x, pts, row, name) { hover(ch, x, name); },
      unhighlightCallback: function () { ch.info.textContent = ""; },
      clickCallback: function () {
        var s = ch.g && ch.series[Number(String(ch.g.getHighlightSeries()).slice(1))];
        if (s && s.run !== undefined) highlight(s.run === S.hl ? -1 : s.run);
      } };
    if (ch.g) {
      ch.g.clearSelection();  // the highlighted series may not exist any more
      ch.g.updateOptions(opts);
    } else {
      ch.div.textContent = "";
      var first = rows;
      delete opts.file;
      ch.g = new Dygraph(ch.div, first, opts);
    }
  }

  // Per-run scalars: one point per run, in the slot of its colour value (jittered).
  function renderScalar(ch) {
    var ci = pix[S.color];
    var runs = ch.runs.filter(function (r) { return visible(r) && ch.metric.curves[r.i]; });
    var slots = ci === undefined ? ["all runs"] : P[ci].values;
    var present = {}, order = [];
    runs.forEach(function (r) {
      var s = ci === undefined ? 0 : r.v[ci];
      if (!(s in present) && !ch.off[ckey(r)]) { present[s] = order.length; order.push(s); }
    });
    var rows = [], rowRun = [];
    runs.forEach(function (r) {
      var s = ci === undefined ? 0 : r.v[ci];
      if (!(s in present)) return;
      var y = finiteOr(points(ch.metric, r).y.slice(-1)[0]);
      var row = [s + ((r.i * 7919) % 17 - 8) / 40];
      for (var k = 0; k < order.length; k++) row.push(k === present[s] ? y : null);
      rows.push(row);
      rowRun.push(r);
    });
    var idx = rows.map(function (_, i) { return i; });
    idx.sort(function (a, b) { return rows[a][0] - rows[b][0] || a - b; });
    rows = idx.map(function (i) { return rows[i]; });
    rowRun = idx.map(function (i) { return rowRun[i]; });
    ch.series = order.map(function (s) {
      return { name: ci === undefined ? "all runs" : S.color + "=" + slots[s],
        color: ci === undefined ? "#1f77b4" : P[ci].colors[s] };
    });
    legend(ch);
    if (!rows.length) {
      if (ch.g) { ch.g.destroy(); ch.g = null; }
      ch.div.textContent = "no visible run logged " + ch.metric.name + " here";
      return;
    }
    var labels = ["x"], sopts = {};
    order.forEach(function (s, k) { labels.push("s" + k); });
    rowRun.forEach(function (r, i) {
      if (r.i === S.hl) {
        var k = rows[i].findIndex(function (v, j) { return j > 0 && v !== null; });
        if (k > 0) sopts["s" + (k - 1)] = { pointSize: 4 };
      }
    });
    var ticks = slots.map(function (l, i) { return { v: i, label: esc(l) }; });
    var opts = { file: rows, labels: labels, colors: ch.series.map(function (s) { return s.color; }),
      drawPoints: true, strokeWidth: 0, pointSize: 3, highlightCircleSize: 5, legend: "never", series: sopts,
      logscale: S.y === "log", dateWindow: [-0.6, slots.length - 0.4],
      axes: { x: { ticker: function () { return ticks; } }, y: { axisLabelWidth: 62 } },
      highlightCallback: function (e, x, pts, row) {
        var r = rowRun[row];
        ch.info.textContent = r ? "run " + r.id + (varying.length ? " (" + label(r, varying) + ")" : "") + ": " +
          ch.metric.name + " = " + fmt(points(ch.metric, r).y.slice(-1)[0]) : "";
      },
      unhighlightCallback: function () { ch.info.textContent = ""; },
      clickCallback: function () {
        var row = ch.g && ch.g.getSelection();
        if (row >= 0 && rowRun[row]) highlight(rowRun[row].i === S.hl ? -1 : rowRun[row].i);
      } };
    if (ch.g) {
      ch.g.clearSelection();  // the highlighted series may not exist any more
      ch.g.updateOptions(opts);
    } else {
      ch.div.textContent = "";
      delete opts.file;
      ch.g = new Dygraph(ch.div, rows, opts);
    }
  }

  // A chart's legend: one entry per colour value with its number of visible runs; a click
  // hides or shows that value's lines there.
  function legend(ch) {
    ch.legend.textContent = "";
    var ci = pix[S.color], by = {};
    var entries = [];
    ch.runs.forEach(function (r) {
      if (!visible(r) || !ch.metric.curves[r.i]) return;
      var k = ckey(r);
      if (by[k]) { by[k].n += 1; return; }
      by[k] = { ck: k, c: colorOf(r), n: 1, text: ci === undefined ? "all runs" : S.color + "=" + val(r, S.color),
        k: ci === undefined ? "" : key(r, [S.color]) };
      entries.push(by[k]);
    });
    entries.sort(function (a, b) { return a.k < b.k ? -1 : a.k > b.k ? 1 : 0; });
    entries.forEach(function (en) {
      var b = el("button", "lg" + (ch.off[en.ck] ? " off" : ""));
      var sw = el("i");
      sw.style.background = en.c;
      b.appendChild(sw);
      b.appendChild(document.createTextNode(en.text + " · " + en.n + " run" + (en.n === 1 ? "" : "s")));
      b.addEventListener("click", function () {
        ch.off[en.ck] = !ch.off[en.ck];
        ch.render(ch);
      });
      ch.legend.appendChild(b);
    });
  }

  // ---- parallel coordinates ----
  var SVGNS = "http://www.w3.org/2000/svg";
  function svg(tag, attrs, text) {
    var e = document.createElementNS(SVGNS, tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function renderPC() {
    var box = document.getElementById("gg-pc");
    box.textContent = "";
    var axes = varying.map(function (n) { return { name: n, p: P[pix[n]] }; });
    // The score axis spans the visible runs that finished ok (as the heatmap's colour scale):
    // a diverged run's huge score sits at the axis' end instead of squashing the others.
    var scored = R.filter(function (r) { return r.score !== null && isFinite(r.score) && visible(r); });
    var ok = scored.filter(function (r) { return r.status === "ok"; });
    var lo = Infinity, hi = -Infinity;
    (ok.length ? ok : scored).forEach(function (r) { lo = Math.min(lo, r.score); hi = Math.max(hi, r.score); });
    var log = lo > 0 && hi / lo > 50;
    var clamped = scored.some(function (r) { return r.score < lo || r.score > hi; });
    if (V.score && scored.length) axes.push({ name: V.score, score: true });
    document.getElementById("gg-pc-caption").textContent = axes.length < 2 ? "Fewer than two axes: nothing to draw." :
      "One line per visible run, through its value of each swept parameter" + (V.score ? " to its " + V.score +
      " (" + (V.max ? "higher" : "lower") + " is better" + (log ? ", log scale" : "") +
      "; failed runs stop before it" + (clamped ? "; it spans the runs that finished ok, scores beyond " +
      "it sit at its ends" : "") + ")" : "") +
      ". Click a line to highlight the run everywhere.";
    if (axes.length < 2) return;
    var W = Math.max(640, 130 * axes.length + 60), H = 330, top = 24, bot = 36, left = 60, right = 100;
    var s = svg("svg", { viewBox: "0 0 " + W + " " + H, "class": "pc", width: W, height: H });
    var h = H - top - bot, dx = (W - left - right) / (axes.length - 1);
    function y(ax, r) {
      if (ax.score) {
        if (r.score === null || !isFinite(r.score)) return null;
        var t = hi === lo ? 0.5 : log ? Math.log(r.score / lo) / Math.log(hi / lo) : (r.score - lo) / (hi - lo);
        t = log && r.score <= 0 ? 0 : Math.max(0, Math.min(1, t));
        return top + (1 - t) * h;
      }
      var n = ax.p.values.length, k = r.v[pix[ax.name]];
      return top + (n === 1 ? 0.5 : 1 - k / (n - 1)) * h;
    }
    axes.forEach(function (ax, i) {
      var x = left + i * dx;
      s.appendChild(svg("line", { x1: x, x2: x, y1: top, y2: top + h, "class": "pcaxis" }));
      s.appendChild(svg("text", { x: x, y: H - 12, "text-anchor": "middle", "class": "alabel" }, ax.name));
      if (ax.score) {
        s.appendChild(svg("text", { x: x + 6, y: top + 4, "class": "tick" }, fmt(hi)));
        s.appendChild(svg("text", { x: x + 6, y: top + h + 4, "class": "tick" }, fmt(lo)));
      } else {
        var n = ax.p.values.length;
        ax.p.values.forEach(function (l, k) {
          s.appendChild(svg("text", { x: x - 6, y: top + (n === 1 ? 0.5 : 1 - k / (n - 1)) * h + 4,
            "text-anchor": "end", "class": "tick" }, l));
        });
      }
    });
    var shown = R.filter(visible);
    shown.sort(function (a, b) { return (a.i === S.hl) - (b.i === S.hl) || a.i - b.i; });
    shown.forEach(function (r) {
      var pts = [];
      for (var i = 0; i < axes.length; i++) {
        var yy = y(axes[i], r);
        if (yy === null) break;
        pts.push((left + i * dx).toFixed(1) + "," + yy.toFixed(1));
      }
      var line = svg("polyline", { points: pts.join(" "), "class": "pcline" + (r.i === S.hl ? " hl" : ""),
        stroke: r.i === S.hl ? "#000" : colorOf(r), "data-run": r.id });
      line.appendChild(svg("title", {}, "run " + r.id + " (" + label(r, varying) + ")" +
        (V.score ? ": " + V.score + " = " + fmt(r.score) : "") + ", " + r.status));
      line.addEventListener("click", function () { highlight(r.i === S.hl ? -1 : r.i); });
      s.appendChild(line);
    });
    box.appendChild(s);
  }

  // ---- the run tables of the static part ----
  function renderTables() {
    document.querySelectorAll("section.gg-exp").forEach(function (sec) {
      var ex = Number(sec.getAttribute("data-exp"));
      var ids = {};
      R.forEach(function (r) { if (r.exp === ex) ids[r.id] = r; });
      sec.querySelectorAll("table.sortable").forEach(function (t) {
        var col = -1, ths = t.tHead.rows[0].cells;
        for (var c = 0; c < ths.length; c++) if (ths[c].textContent === "run_id") col = c;
        if (col < 0) return;
        Array.prototype.forEach.call(t.tBodies[0].rows, function (row) {
          var r = ids[row.cells[col].textContent];
          row.hidden = !!(r && !visible(r));
          row.classList.toggle("hl", !!r && r.i === S.hl);
        });
      });
    });
  }

  function renderAll() {
    charts.forEach(function (ch) { ch.render(ch); });
    renderPC();
    renderTables();
    var n = R.filter(visible).length;
    document.getElementById("gg-shown").textContent = "Showing " + n + " of " + R.length + " runs" +
      (S.hl >= 0 ? "; highlighted: run " + R[S.hl].id : "") + ".";
  }
  function highlight(i) {
    S.hl = i;
    var sel = document.getElementById("gg-hl");
    if (sel) sel.value = String(i);
    renderAll();
  }

  // ---- controls ----
  function control(text, input) {
    var l = el("label", "ctl", text + " ");
    l.appendChild(input);
    document.getElementById("gg-controls").appendChild(l);
    return input;
  }
  function select(id, options, value, onchange) {
    var s = el("select");
    s.id = id;
    options.forEach(function (o) {
      var op = el("option", null, o[1]);
      op.value = o[0];
      if (o[2]) op.disabled = true;
      s.appendChild(op);
    });
    s.value = value;
    s.addEventListener("change", function () { onchange(s.value); renderAll(); });
    return s;
  }
  var anyEpoch = D.metrics.some(function (m) {
    for (var k in m.curves) if (m.curves[k][1].some(function (e) { return e[0] !== null; })) return true;
    return false;
  });
  control("lines:", select("gg-mode", [["mean", "mean over seeds, band min–max"],
    ["ci95", "mean over seeds, 95 % t-interval"], ["runs", "every run"]], S.mode,
    function (v) { S.mode = v; }));
  control("x:", select("gg-x", [["step", "step"], ["epoch", "epoch (its last value)", !anyEpoch]], S.x,
    function (v) { S.x = v; }));
  control("y:", select("gg-y", [["auto", "auto (log when > 50×)"], ["linear", "linear"], ["log", "log"]], S.y,
    function (v) { S.y = v; }));
  control("colour:", select("gg-color", [["", "(none)"]].concat(varying.map(function (n) { return [n, n]; })),
    S.color || "", function (v) { S.color = v || null; charts.forEach(function (ch) { ch.off = {}; }); }));
  var ema = el("input");
  ema.type = "range"; ema.min = "0"; ema.max = "0.99"; ema.step = "0.01"; ema.value = "0"; ema.id = "gg-ema";
  var emaOut = el("output", null, "0 (off)");
  ema.addEventListener("input", function () {
    S.ema = Number(ema.value);
    emaOut.textContent = S.ema > 0 ? String(S.ema) : "0 (off)";
    renderAll();
  });
  control("smoothing (EMA):", ema).parentNode.appendChild(emaOut);
  control("highlight:", select("gg-hl", [["-1", "(no run)"]].concat(R.map(function (r) {
    return [String(r.i), r.id + (varying.length ? " (" + label(r, varying) + ")" : "")];
  })), "-1", function (v) { S.hl = Number(v); }));

  var filters = document.getElementById("gg-filters");
  function checkbox(text, on) {
    var l = el("label", "chk"), c = el("input");
    c.type = "checkbox"; c.checked = true;
    c.addEventListener("change", function () { on(!c.checked); renderAll(); });
    l.appendChild(c);
    l.appendChild(document.createTextNode(text));
    return l;
  }
  P.forEach(function (p, i) {
    if (p.values.length < 2) return;
    var f = el("fieldset"), lg = el("legend", null, p.name);
    f.appendChild(lg);
    f.setAttribute("data-param", p.name);
    p.values.forEach(function (v, k) {
      f.appendChild(checkbox(v, function (hide) { S.hide[i][k] = hide; }));
    });
    filters.appendChild(f);
  });
  var statuses = [];
  R.forEach(function (r) { if (statuses.indexOf(r.status) < 0) statuses.push(r.status); });
  statuses.sort();
  var fs = el("fieldset");
  fs.setAttribute("data-param", "status");
  fs.appendChild(el("legend", null, "status"));
  statuses.forEach(function (st) { fs.appendChild(checkbox(st, function (hide) { S.status[st] = hide; })); });
  filters.appendChild(fs);

  // ---- charts: one per metric and panel (the static report's figure splits and panels) ----
  var box = document.getElementById("gg-charts");
  D.metrics.forEach(function (m) {
    m.dec = {};
    var withCurve = R.filter(function (r) { return m.curves[r.i]; });
    var fig = el("figure", "live");
    fig.appendChild(el("figcaption", null, m.name + (m.scalar ? ": one value per run (a point each), by " +
      (S.color || "run") : " over the x axis above; drag to zoom (horizontally or vertically), shift-drag to pan, " +
      "double-click to reset; click a line to highlight its run; the y range follows the lines without a " +
      "diverged run")));
    var grid = el("div", "panels");
    fig.appendChild(grid);
    box.appendChild(fig);
    groupBy(withCurve, V.panel).forEach(function (pg) {
      var cell = el("div", "chart");
      cell.appendChild(el("div", "ptitle", V.panel.length ? label(pg.first, V.panel) : m.name));
      var lg = el("div", "legend"), div = el("div", "graph"), info = el("div", "info");
      cell.appendChild(lg);
      cell.appendChild(div);
      cell.appendChild(info);
      grid.appendChild(cell);
      charts.push({ metric: m, runs: pg.runs, panelNames: V.panel, div: div, legend: lg, info: info, off: {},
        render: m.scalar ? renderScalar : renderCurves });
    });
  });
  var stat = document.getElementById("gg-static"), tog = document.getElementById("gg-static-toggle");
  if (stat && tog) {
    tog.addEventListener("click", function () {
      var folded = stat.classList.toggle("folded");
      tog.textContent = folded ? "Show the static figures (what prints)" : "Hide the static figures";
    });
  }
  renderAll();
  window.gglab = { data: D, state: S, charts: charts, render: renderAll, highlight: highlight };
  document.body.setAttribute("data-live", "1");
})();
]==]
