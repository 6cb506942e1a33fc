// The Verity dashboard: a hash-routed single page over the JSON API under /api/v1.
// Every value shown comes from the API; nothing here computes a verdict or a figure.
"use strict";

// Script errors are kept where a test (or a curious reader) can find them.
window.__verityErrors = [];
window.addEventListener("error", (e) => window.__verityErrors.push(String(e.message)));
window.addEventListener("unhandledrejection", (e) => window.__verityErrors.push(String(e.reason)));
{
  const logError = console.error.bind(console);
  console.error = (...args) => { window.__verityErrors.push(args.map(String).join(" ")); logError(...args); };
}

const App = (() => {
  const main = document.getElementById("main");
  const TOKEN_KEY = "verity.token";

  // ---- small DOM helpers (text is always set as text, never parsed as HTML) ----
  function h(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? "" : String(v));
    }
    for (const c of children.flat(Infinity)) {
      if (c === undefined || c === null || c === false) continue;
      node.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
    }
    return node;
  }
  // Replaces a node's children, skipping null / false (which replaceChildren would
  // print as the text "null") and flattening arrays.
  function put(node, ...children) {
    node.replaceChildren(...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
    return node;
  }
  const fmt = (v, digits = 1) => (v === null || v === undefined ? "—" : Number(v).toLocaleString("en", { maximumFractionDigits: digits }));
  const statusBadge = (s) => h("span", { class: `status s-${s}` }, s.replace("_", " "));
  // Units as people write them (the API's ids are kg_u, pct_u235, …).
  const UNIT = { kg_u: "kg U", kg_uf6: "kg UF6", pct_u235: "% U-235", t: "t", count: "", mwth: "MWth", days: "days", bool: "" };

  // ---- API access ----
  function token() { return localStorage.getItem(TOKEN_KEY) || ""; }
  async function api(path, options = {}) {
    const headers = Object.assign({ Accept: "application/json" }, options.headers || {});
    if (token()) headers.Authorization = `Bearer ${token()}`;
    const res = await fetch(`/api/v1${path}`, Object.assign({}, options, { headers }));
    const body = await res.json().catch(() => ({}));
    if (!res.ok) {
      const err = new Error(body.error || `${res.status} ${res.statusText}`);
      err.status = res.status;
      err.field = body.field;
      throw err;
    }
    return body;
  }
  function needsToken(err, what) {
    if (err.status === 401 || err.status === 403) {
      return h("p", { class: "notice" }, `${what} needs an analyst token: paste one in the box above (create one with \`verity token create --role analyst\`).`);
    }
    return h("p", { class: "error" }, `${what}: ${err.message}`);
  }

  // The report document (GET /api/v1/report, the same as `verity report --format
  // json`): verdicts, each party's status now, the legend's order, the breakout
  // timeline with its bands. The dashboard draws it; it ranks and judges nothing.
  let assessmentCache = null;
  async function assessment() {
    if (!assessmentCache) assessmentCache = await api("/report");
    return assessmentCache;
  }

  // ---- pages ----
  async function overview() {
    const [assess, cp] = await Promise.all([assessment(), api("/log/checkpoint")]);
    // One card per party, titled with the agreement's name for it; the id stays
    // visible because it is what `--party` and the API's `party` filter take.
    const asOf = assess.record.last_date;
    const cards = [];
    for (const p of [...assess.parties].sort((a, b) => a.id.localeCompare(b.id))) {
      const counts = assess.legend.filter((l) => p.now_counts[l.status]).map((l) => `${p.now_counts[l.status]} ${l.label}`);
      cards.push(h("div", { class: "card party", "data-party": p.id },
        h("h3", {}, p.name),
        h("div", { class: "muted" }, p.id),
        h("div", {}, p.now ? statusBadge(p.now) : null),
        h("p", { class: "muted" }, `now (record to ${asOf}): `, counts.join(", ")),
        h("a", { href: `#/matrix?party=${encodeURIComponent(p.id)}` }, "obligations →")));
    }
    const last = assess.breakout[assess.breakout.length - 1];
    cards.push(h("div", { class: "card", id: "latest-breakout" },
      h("h3", {}, "Latest breakout estimate"),
      last ? [h("div", { class: "big" }, `${fmt(last.days)} days`),
        assess.summary.sq_in_month ? h("p", { id: "sq-in-month" }, `${assess.summary.sq_in_month} significant quantities within a month`) : null,
        h("p", { class: "muted" }, `${last.date}; central estimate, 90 % interval ${fmt(last.days_p05)}–${fmt(last.days_p95)} days (${last.band.replaceAll("_", " ")}); route ${last.route.replaceAll("_", " ")}, lower bound ${fmt(last.lower_bound_days)} days${last.verified ? "" : "; not verified"}`)]
        : h("p", { class: "muted" }, "no estimate"),
      h("a", { href: "#/breakout" }, "timeline →")));
    cards.push(h("div", { class: "card", id: "log-head" },
      h("h3", {}, "Transparency log"),
      h("div", { class: "big" }, `${fmt(cp.tree_size, 0)} ${cp.tree_size === 1 ? "entry" : "entries"}`),
      h("p", { class: "muted", style: "word-break:break-all" }, `head ${cp.root_hash_hex}`),
      h("a", { href: "#/log" }, "entries and proofs →")));
    put(main, h("h2", {}, "Overview"), summarySection(assess), h("div", { class: "cards" }, cards),
      timelineSection(assess));
  }

  // The report's summary, as `verity report` prints it: the paragraph, the latest figure
  // against each limit, the change since the previous report, what cannot be verified.
  function summarySection(assess) {
    const s = assess.summary;
    const limits = h("table", { id: "summary-limits" },
      h("tr", {}, ["obligation", "latest", "as of", "limit", "× limit", "status", "source"].map((c) => h("th", {}, c))),
      s.limits.map((l) => h("tr", { "data-obligation": l.obligation },
        h("td", {}, h("code", {}, l.obligation), h("div", { class: "muted" }, l.what)),
        h("td", { class: "num" }, l.shown), h("td", {}, l.as_of), h("td", {}, `${l.op} ${l.limit_shown}`),
        h("td", { class: "num" }, l.times_limit === null ? "—" : `${fmt(l.times_limit, l.times_limit >= 10 ? 0 : 2)}×`),
        h("td", {}, statusBadge(l.status)), h("td", { class: "src" }, l.source))));
    const since = h("table", { id: "summary-since" },
      h("tr", {}, ["stock since the previous report", "change", "per month", "from", "to"].map((c) => h("th", {}, c))),
      s.since_previous.map((c) => h("tr", { "data-metric": c.metric },
        h("td", {}, c.label), h("td", { class: "num" }, `${c.change >= 0 ? "+" : ""}${fmt(c.change)} kg U`),
        h("td", { class: "num" }, `${c.per_month >= 0 ? "+" : ""}${fmt(c.per_month)} kg U`), h("td", {}, c.from), h("td", {}, c.to))));
    const unv = s.unverifiable.map((u) => h("p", { class: "notice unverifiable" },
      h("strong", {}, `Cannot be verified since ${u.since}: `), `${u.what} — ${u.why} (${u.source})`));
    return h("section", { id: "summary" },
      h("p", { id: "summary-text", class: "summary" }, s.text),
      withCsv(limits, "limits"), withCsv(since, "stock-since-previous"), unv);
  }

  // Key days and the record's events, and the losses of continuity of knowledge.
  function timelineSection(assess) {
    const events = h("table", { id: "timeline" },
      h("tr", {}, ["date", "party", "what", "source"].map((c) => h("th", {}, c))),
      assess.events.map((e) => h("tr", { class: e.kind }, h("td", {}, e.date), h("td", {}, e.party || "—"),
        h("td", {}, e.what), h("td", { class: "src" }, e.source))));
    const gaps = h("table", { id: "knowledge-gaps" },
      h("tr", {}, ["from", "to", "party", "what was lost", "source"].map((c) => h("th", {}, c))),
      assess.knowledge_gaps.map((g) => h("tr", {}, h("td", {}, g.from), h("td", {}, g.to || "not restored"),
        h("td", {}, g.party), h("td", {}, g.scope), h("td", { class: "src" }, g.source))));
    return h("section", {}, h("h3", {}, "Timeline"), withCsv(events, "timeline"),
      h("h3", {}, "Knowledge gaps"), withCsv(gaps, "knowledge-gaps"));
  }

  async function matrix(params) {
    const assess = await assessment();
    const party = params.get("party");
    // The report's own rows: per party, per obligation, the most severe status of each
    // year (the same cells `verity report` prints), and the step periods between the
    // dates a status holds.
    const symbol = new Map(assess.legend.map((l) => [l.status, l.symbol]));
    const label = new Map(assess.legend.map((l) => [l.status, l.label]));
    const byOb = new Map();
    for (const v of assess.verdicts) {
      if (!byOb.has(v.obligation)) byOb.set(v.obligation, []);
      byOb.get(v.obligation).push(v);
    }
    const cell = new Map(assess.verdicts.map((v) => [`${v.obligation}|${v.date}`, v]));
    const detail = h("div", { id: "cell-detail", class: "card" }, h("p", { class: "muted" }, "Choose a cell to see its evidence and citation."));
    const first = assess.years[0], last = assess.years[assess.years.length - 1];
    const t0 = Date.parse(`${first}-01-01`), t1 = Date.parse(`${last + 1}-01-01`);
    const stepBar = (row) => {
      const segs = row.steps.map((s, i) => {
        const from = Date.parse(s.from);
        const to = i + 1 < row.steps.length ? Date.parse(row.steps[i + 1].from) : t1;
        return h("span", { class: `seg s-${s.status}`, title: `from ${s.from}: ${label.get(s.status)}`,
          style: `left:${(100 * (from - t0) / (t1 - t0)).toFixed(2)}%;width:${(100 * (to - from) / (t1 - t0)).toFixed(2)}%` });
      });
      return h("div", { class: "steps", "aria-label": row.steps.map((s) => `from ${s.from}: ${label.get(s.status)}`).join("; ") }, segs);
    };
    const sections = assess.parties.filter((p) => !party || p.id === party).filter((p) => p.rows.length).map((p) =>
      h("section", { class: "party-rows", "data-party": p.id },
        h("h3", {}, p.name),
        h("div", { class: "matrix-wrap" }, h("table", { class: "matrix" },
          h("thead", {}, h("tr", {}, h("th", { class: "ob" }, "obligation"), assess.years.map((y) => h("th", { class: "year" }, String(y))),
            h("th", {}, "now"), h("th", { class: "steps-col" }, "step periods"))),
          h("tbody", {}, p.rows.map((r, i) => [i === 0 || p.rows[i - 1].topic !== r.topic
            ? h("tr", { class: "topic" }, h("th", { colspan: assess.years.length + 3 }, r.topic_label)) : null,
            h("tr", { "data-obligation": r.obligation },
            h("th", { class: "ob", title: `${r.cite} — ${r.text}` }, r.obligation,
              r.readings.length ? h("div", { class: "readings muted" }, r.readings.map((x) => `${x.party} reads it ${label.get(x.status)} from ${x.from}`).join("; ")) : null),
            r.cells.map((c, i) => {
              if (c === null) return h("td", { class: "cell off" });
              const year = assess.years[i];
              // The verdict that shows for the year: the latest of that year with this status.
              const vs = (byOb.get(r.obligation) || []).filter((v) => v.date.startsWith(`${year}-`));
              const v = [...vs].reverse().find((x) => x.status === c) || vs[vs.length - 1];
              const inner = v ? h("a", { href: `#/matrix?${party ? "party=" + encodeURIComponent(party) + "&" : ""}ob=${encodeURIComponent(v.obligation)}&date=${v.date}`,
                title: `${r.obligation} ${year}: ${label.get(c)}`, onclick: (e) => { e.preventDefault(); showVerdict(detail, v, r); detail.scrollIntoView({ block: "start" }); } }, symbol.get(c))
                : symbol.get(c);
              return h("td", { class: `cell s-${c}`, "data-status": c, "data-year": year }, inner);
            }),
            h("td", {}, statusBadge(r.now)),
            h("td", { class: "steps-col" }, stepBar(r)))]))))));
    const legend = h("p", { class: "legend" }, assess.legend.map((l) => h("span", {}, statusBadge(l.status), ` ${l.symbol}`)));
    const parties = assess.parties.map((p) => p.id);
    const filter = h("p", {}, "Party: ", h("a", { href: "#/matrix" }, "all"),
      parties.map((p) => [" · ", h("a", { href: `#/matrix?party=${encodeURIComponent(p)}` }, p)]));
    const silent = assess.parties.filter((p) => (!party || p.id === party) && p.silent.length)
      .map((p) => h("p", { class: "muted" }, `${p.name}: ${p.silent.length} more in force with no evidence in the record: ${p.silent.join(", ")}`));
    // The dispute procedures invoked (JCPOA para. 36, UNSCR 2231 snapback), as the
    // report lists them.
    const disputes = h("table", { id: "disputes" },
      h("tr", {}, ["notified", "mechanism", "raised by", "stages", "outcome"].map((c) => h("th", {}, c))),
      assess.disputes.map((d) => h("tr", { "data-mechanism": d.mechanism },
        h("td", {}, d.notified), h("td", {}, d.mechanism), h("td", {}, d.raised_by),
        h("td", {}, d.stages.map((s) => `${s.start} – ${s.end}: ${s.name} (${s.cite})`).join("; ")),
        h("td", {}, d.outcome ? `${d.outcome_date}: ${d.outcome}` : "none recorded",
          d.standing_contested_by.length ? ` (standing contested by ${d.standing_contested_by.join(", ")})` : ""))));
    put(main, h("h2", {}, "Compliance by year"),
      h("p", { class: "muted" }, "Each cell is the most severe status of the year, as in `verity report`; the bar shows the periods between the dates a status holds."),
      filter, legend, ...sections, ...silent, detail, h("h3", {}, "Disputes"), h("div", { class: "table-wrap" }, disputes));
    const pick = params.get("ob") && cell.get(`${params.get("ob")}|${params.get("date")}`);
    if (pick) showVerdict(detail, pick);
  }

  function sourceText(s) {
    if (typeof s === "string") return s;
    return Object.entries(s).filter(([, v]) => v !== null && v !== undefined).map(([k, v]) => `${k}: ${v}`).join(", ");
  }

  function showVerdict(detail, v, row) {
    put(detail, 
      h("h3", {}, `${v.party} · ${v.obligation} on ${v.date}`),
      h("p", {}, statusBadge(v.status),
        v.finding && v.finding !== v.status ? h("span", {}, " · finding on the evidence: ", statusBadge(v.finding)) : null),
      h("p", {}, "Citation: ", h("strong", {}, v.cite || "—")),
      (v.readings || []).length ? h("div", {}, h("p", {}, v.status === "contested" ? "Contested — the parties read it differently:" : "Readings that differ:"),
        h("ul", { class: "readings" }, v.readings.map((r) => h("li", {}, h("strong", {}, r.party), ": ", statusBadge(r.status),
          ` — ${r.position} (${r.cite})`)))) : null,
      v.limit !== null && v.limit !== undefined ? h("p", {}, `Figure: ${v.value === null ? "—" : fmt(v.value, 2)} · limit: ${fmt(v.limit, 2)} ${UNIT[v.unit] ?? v.unit ?? ""}`) : null,
      row ? h("p", { class: "muted" }, "Step periods: ", row.steps.map((s) => `from ${s.from}: ${s.status.replace("_", " ")}`).join("; ")) : null,
      h("p", {}, "Evidence:"),
      h("ul", { class: "sources" }, (v.sources || []).map((s) => h("li", {}, sourceText(s)))),
      (v.sources || []).length === 0 ? h("p", { class: "muted" }, "no evidence for this date") : null,
      h("div", { id: "cell-evidence" }));
    // The records of that date, with report and paragraph (readers with a token).
    const box = detail.querySelector("#cell-evidence");
    api(`/evidence?from=${v.date}&to=${v.date}`).then((ev) => {
      const rows = [
        ...ev.measurements.map((m) => [m.label || m.metric, `${central(m) ?? "—"} ${UNIT[m.unit] ?? m.unit}`, m.basis, sourceText(m.source)]),
        ...ev.events.map((e) => [`${e.party}: ${e.label || e.event}`, "", "event", sourceText(e.source)]),
      ];
      put(box, h("p", {}, `Records dated ${v.date} (${rows.length}):`),
        h("table", { class: "cell-records" }, h("tr", {}, ["record", "figure", "basis", "source"].map((c) => h("th", {}, c))),
          rows.map((r) => h("tr", {}, r.map((c) => h("td", {}, String(c)))))));
    }).catch((err) => put(box, err.status === 401 || err.status === 403
      ? h("p", { class: "muted" }, "Sign in with a token to see the records of this date.")
      : h("p", { class: "error" }, err.message)));
  }

  // A chart with the record's timeline band, its sources printed on it, and download
  // links (SVG, PNG) under it.
  function chart(container, spec, name, assess) {
    const events = assess ? assess.events.map((e) => ({ date: e.date, label: `${e.party ? e.party + ": " : ""}${e.what}` })) : [];
    const svg = Charts.timeSeries(container, Object.assign({ events }, spec));
    const old = container.nextElementSibling;
    if (old && old.classList.contains("export")) old.remove();
    container.after(Charts.exportLinks(svg, name));
    return svg;
  }
  // A table with a CSV download link before it.
  function withCsv(table, name) {
    return h("div", { class: "table-wrap" }, h("p", { class: "export" }, "Download: ", Charts.csvLink(table, name)), table);
  }

  // The public figures of the report (the same document `verity report --format json`
  // prints): one series per metric, each point with how the report states it and its
  // source. No token is needed to read them.
  async function figures(prefix) {
    const assess = await assessment();
    return assess.figures.filter((f) => f.metric.startsWith(prefix));
  }
  const asMeasurements = (series) => series.flatMap((f) => f.points.map((p) =>
    ({ date: p.date, metric: f.metric, label: f.label, value: p.value, shown: p.shown, bound: p.bound, basis: p.basis, source: p.source })));

  async function stockpile() {
    put(main, h("h2", {}, "Enriched-uranium stockpile"), h("div", { id: "chart" }));
    const series = await figures("enriched_uranium_stock");
    const ms = asMeasurements(series);
    // The limit as the agreement states it (JCPOA Annex I: 300 kg UF6, which the IAEA
    // reports as 202.8 kg U), with its citation, from the agreement itself.
    const obligations = await api("/agreements/jcpoa/obligations");
    const limit = obligations.find((o) => o.metric === "enriched_uranium_stock" && o.limit_in_metric_unit !== null);
    const limits = limit ? [{ y: limit.limit_in_metric_unit,
      label: `limit ${fmt(limit.limit)} ${UNIT[limit.unit] ?? limit.unit} = ${fmt(limit.limit_in_metric_unit)} kg U (${limit.cite})` }] : [];
    const assess = await assessment();
    const reports = [...new Set(ms.map((m) => m.source.split(" (")[0]))];
    const draw = (log) => chart(document.getElementById("chart"), {
      title: `Enriched uranium stock by assay band (kg U, as reported by the IAEA${log ? "; log scale" : ""})`,
      yLabel: "kg U", unit: "kg U", log, series: [...seriesOf(ms).values()], limits,
      sources: `IAEA reports (${reports.length}: ${reports[0]} … ${reports[reports.length - 1]}); limit: ${limit ? limit.cite : "—"}; kg U. Verity, verity report --format json.`,
    }, "stockpile", assess);
    // Logarithmic where the range demands it (over two orders of magnitude), so that
    // small stocks stay visible beside the limit.
    const vals = ms.map((m) => m.value).filter((v) => v > 0);
    const logFirst = vals.length > 0 && Math.max(...vals) / Math.min(...vals) > 100;
    draw(logFirst);
    const toggle = h("input", { type: "checkbox", id: "logscale", checked: logFirst, onchange: (e) => draw(e.target.checked) });
    main.insertBefore(h("p", {}, h("label", {}, toggle, " logarithmic scale (to see small stocks beside the limit)")), document.getElementById("chart"));
    main.appendChild(sourcesTable(ms));
  }

  // Small multiples: one chart per plant (and one for counts over all sites), installed
  // and enriching by machine type.
  async function centrifuges() {
    put(main, h("h2", {}, "Centrifuges"), h("div", { id: "chart", class: "multiples" }));
    const series = await figures("centrifuges");
    const groups = new Map();
    for (const f of series) {
      const key = f.site_label || "All sites";
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key).push(f);
    }
    const box = document.getElementById("chart");
    for (const [site, fs] of groups) {
      const div = h("div", { class: "multiple", "data-site": site });
      box.appendChild(div);
      const reports = [...new Set(fs.flatMap((f) => f.points.map((p) => p.source.split(" (")[0])))];
      chart(div, {
        title: `${site}: centrifuges installed and enriching, by type (IAEA reports)`, yLabel: "centrifuges", unit: "",
        series: fs.map((f) => ({ name: f.site ? `${f.machine} ${f.state}` : f.label, points: f.points.map((p) => [p.date, p.value, p.bound]) })),
        sources: `IAEA reports (${reports.length}); machines counted. Verity.`,
      }, `centrifuges-${site.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`, await assessment());
    }
    main.appendChild(sourcesTable(asMeasurements(series)));
  }

  // The figure a measurement gives: its value, else the bound a report states (as
  // the compliance engine reads it). Measurements with neither are not plotted.
  function central(m) {
    for (const v of [m.value, m.low, m.high]) if (v !== null && v !== undefined) return v;
    return null;
  }

  function seriesOf(ms) {
    const series = new Map();
    for (const m of ms) {
      const v = central(m);
      if (v === null) continue;
      if (!series.has(m.metric)) series.set(m.metric, { name: m.label || m.metric, points: [] });
      series.get(m.metric).points.push([m.date, v, m.bound || null]);
    }
    return series;
  }

  function sourcesTable(ms) {
    const rows = [...ms].sort((a, b) => (b.date + a.metric).localeCompare(a.date + b.metric)).slice(0, 400);
    return h("details", {}, h("summary", {}, `Figures and sources (${ms.length})`),
      h("table", {}, h("tr", {}, ["date", "metric", "value", "±", "basis", "source"].map((c) => h("th", {}, c))),
        rows.map((m) => h("tr", {}, h("td", {}, m.date), h("td", {}, m.label || m.metric), h("td", {}, m.shown ?? (m.value !== null ? fmt(m.value, 2) : `${m.low !== null ? "≥ " + fmt(m.low, 2) : ""}${m.high !== null ? " ≤ " + fmt(m.high, 2) : ""}`)),
          h("td", {}, m.sigma === null || m.sigma === undefined ? "" : fmt(m.sigma, 2)), h("td", {}, m.basis || ""),
          h("td", {}, sourceText(m.source || {}))))));
  }

  async function breakout() {
    const assess = await assessment();
    put(main, h("h2", {}, "Breakout time"), h("div", { id: "chart" }),
      h("p", { class: "muted" }, assess.breakout_method));
    const b = assess.breakout;
    chart(document.getElementById("chart"), {
      sources: `stocks and centrifuges of each IAEA report; Verity's enrichment physics (${assess.breakout_method.slice(0, 120)}…); days.`,
      title: "Breakout time at each IAEA report date (days, log scale)", yLabel: "days", unit: "days", log: true,
      series: [{ name: "central estimate (hollow: not verified, or figures carried forward)",
        points: b.map((r) => [r.date, r.days, !r.verified || r.machine_basis.some((m) => m.carried_forward) || r.stocks_carried_forward.length > 0 ? "open" : null]) },
        { name: "lower bound (one pooled cascade)", points: b.map((r) => [r.date, r.lower_bound_days]) }],
      bands: [{ name: "5–95 % interval", points: b.map((r) => [r.date, r.days_p05, r.days_p95]) }],
      // The one-year breakout goal the negotiators set for the JCPOA's first decade
      // (The White House, "The Iran Nuclear Deal: What You Need to Know about the JCPOA",
      // July 2015: from 2–3 months to at least one year).
      limits: [{ y: assess.one_year_days, label: "one year (the negotiators' goal)" }],
    }, "breakout", assess);
    // Each site alone, and where the record counts advanced cascades installed but
    // not enriching, the same with them fed (a bound on the plant, not the headline).
    // A site the method cannot run alone reads "—", its reason on hover.
    const sites = (r) => [...r.by_site.map((x) => `${x.site.replaceAll("_", " ")} ${fmt(x.days)} d${x.installed_cascades_days != null ? ` (${fmt(x.installed_cascades_days)} d with its installed cascades)` : ""}`),
      ...r.sites_not_estimated.map((x) => `${x.site.replaceAll("_", " ")} —`)].join("; ");
    const notEstimated = (r) => r.sites_not_estimated.map((x) => `${x.site.replaceAll("_", " ")}: ${x.reason}`).join("\n");
    main.appendChild(withCsv(h("table", { id: "breakout-table" }, h("tr", {}, ["date", "days", "p05", "p95", "lower bound", "", "route", "verified", "each site alone", "basis"].map((c) => h("th", {}, c))),
      b.map((r) => h("tr", { "data-verified": String(r.verified), "data-carried": String(r.machine_basis.some((m) => m.carried_forward) || r.stocks_carried_forward.length > 0) },
        h("td", {}, r.date), h("td", {}, fmt(r.days)), h("td", {}, fmt(r.days_p05)), h("td", {}, fmt(r.days_p95)), h("td", {}, fmt(r.lower_bound_days)),
        h("td", {}, r.band.replaceAll("_", " ")), h("td", {}, r.route.replaceAll("_", " ")), h("td", {}, r.verified ? "yes" : "no"), h("td", { class: "sites", "data-installed": String(r.by_site.some((x) => x.installed_cascades_days != null)), "data-not-estimated": String(r.sites_not_estimated.length), title: notEstimated(r) }, sites(r)), h("td", {}, r.basis)))), "breakout"));
  }

  // The in-browser verifier (verify.js, a module that loads after this script).
  function verifier() {
    if (window.VerityVerify) return Promise.resolve(window.VerityVerify);
    return new Promise((resolve) => window.addEventListener("verity-verify-ready", () => resolve(window.VerityVerify), { once: true }));
  }
  const KIND = { evidence_import: "Evidence import", inspection_report: "Inspection report", declaration: "Declaration" };
  // What an entry says, for people.
  function entryWhat(e) {
    const c = e.content || {};
    if (e.kind === "evidence_import") {
      const files = (c.files || []).length;
      return `import #${c.import_id ?? "?"}: ${fmt(c.measurements ?? 0, 0)} measurements, ${fmt(c.events ?? 0, 0)} events, ${fmt(c.knowledge ?? 0, 0)} knowledge gaps from ${files} file${files === 1 ? "" : "s"}${c.submitted_by && c.submitted_by.shipped ? " (the shipped record)" : ""}`;
    }
    return c.title || c.report || c.summary || Object.keys(c).slice(0, 4).join(", ");
  }

  async function showEntry(out, entry, proof, cp) {
    const v = await (await verifier()).verifyEntry(entry, proof, cp);
    put(out,
      h("p", { id: "verify-status", class: v.ok ? "verified" : "failed", "data-ok": String(v.ok) }, v.ok ? "✔ " : "✖ ", v.text),
      h("h3", {}, `Entry ${entry.index}: ${KIND[entry.kind] || entry.kind}`),
      h("table", { id: "entry-table" },
        [["what", entryWhat(entry)], ["signed by", entry.signer], ["signer's key", entry.signer_key], ["signed at", entry.signed_at],
          ["content SHA-256", entry.content_hash_hex], ["leaf hash", entry.leaf_hash_hex]]
          .map(([k, val]) => h("tr", {}, h("th", {}, k), h("td", {}, val)))),
      h("details", {}, h("summary", {}, "The entry as JSON"), h("pre", { id: "entry-json" }, JSON.stringify(entry.content, null, 2))),
      h("details", {}, h("summary", {}, `Inclusion proof in the tree of size ${proof.tree_size}`), h("pre", { id: "proof-json" }, JSON.stringify(proof, null, 2))));
    return v;
  }

  async function log(params) {
    const cp = await api("/log/checkpoint");
    const out = h("div", { id: "log-result" });
    const lookup = h("form", { id: "entry-form" },
      h("label", {}, "Entry index ", h("input", { id: "entry-index", type: "number", min: 0, value: params.get("entry") || "" })),
      " ", h("button", { type: "submit" }, "Look up and verify"));
    lookup.addEventListener("submit", async (e) => {
      e.preventDefault();
      const idx = document.getElementById("entry-index").value;
      put(out, h("p", { class: "muted" }, "…"));
      try {
        const [entry, proof] = await Promise.all([api(`/log/entries/${idx}`), api(`/log/proofs/inclusion?index=${idx}&size=${cp.tree_size}`)]);
        await showEntry(out, entry, proof, cp);
      } catch (err) { put(out, h("p", { class: "error" }, err.message)); }
    });
    const recent = await api(`/log/entries?start=${Math.max(0, cp.tree_size - 20)}&limit=20`);
    const cpStatus = h("p", { id: "checkpoint-status", class: "muted" }, "checking the signature…");
    put(main, h("h2", {}, "Transparency log"),
      h("p", {}, `${fmt(cp.tree_size, 0)} ${cp.tree_size === 1 ? "entry" : "entries"}; root `, h("code", {}, cp.root_hash_hex)),
      h("h3", {}, "Signed checkpoint"), h("pre", { id: "checkpoint" }, cp.text), cpStatus,
      lookup, out,
      h("h3", {}, "Latest entries"),
      h("div", { class: "table-wrap" }, h("table", { id: "entries" }, h("tr", {}, ["index", "kind", "what", "signed by", "when"].map((c) => h("th", {}, c))),
        recent.entries.slice().reverse().map((e) => h("tr", { "data-index": e.index },
          h("td", {}, h("a", { href: `#/log?entry=${e.index}` }, String(e.index))), h("td", {}, KIND[e.kind] || e.kind || ""),
          h("td", {}, entryWhat(e)), h("td", {}, e.signer || ""), h("td", {}, e.signed_at || ""))))));
    verifier().then((v) => v.verifyCheckpoint(cp.text, cp.verifier_key)).then(
      (r) => { cpStatus.className = "verified"; cpStatus.dataset.ok = "true"; cpStatus.textContent = `✔ signature verified in this browser: ${r.signer}, tree of ${r.size} entries`; },
      (err) => { cpStatus.className = "failed"; cpStatus.dataset.ok = "false"; cpStatus.textContent = `✖ ${err.message}`; });
    if (params.get("entry")) lookup.requestSubmit();
  }

  // For tests and readers: check an entry and a proof given by hand (e.g. a tampered one).
  async function verifyGiven(entry, proof) {
    const cp = await api("/log/checkpoint");
    const out = document.getElementById("log-result");
    return showEntry(out, entry, proof, cp);
  }

  async function whatif() {
    const num = (id, label, value, step = "any") => h("label", {}, label, h("input", { id, name: id, type: "number", min: 0, step, value }));
    const result = h("div", { id: "whatif-result" });
    // Where the form starts: the latest report's stocks and machines (the report's last
    // breakout point), a built-in scenario, or empty.
    const [assess, presets] = await Promise.all([assessment(), api("/breakout/presets").catch(() => [])]);
    const last = assess.breakout[assess.breakout.length - 1];
    const starts = new Map();
    if (last) starts.set("latest", { title: `The latest report (${last.date}; ${last.source})`,
      stocks: last.stocks, machines: last.machines.map((m) => ({ kind: m.type, count: m.count })) });
    for (const p of presets) starts.set(`preset:${p.name}`, { title: `${p.title} (${p.as_of})`, stocks: p.stocks, machines: p.machines });
    starts.set("empty", { title: "Empty form", stocks: [], machines: [] });
    const select = h("select", { id: "whatif-start" }, [...starts].map(([k, v]) => h("option", { value: k }, v.title)));
    const note = h("p", { class: "muted", id: "whatif-start-note" });
    const form = h("form", { class: "whatif", id: "whatif-form" },
      h("label", {}, "Start from ", select),
      num("stock_le_5pct_kg_u", "Stock ≤ 5 % (kg U)", 0),
      num("stock_le_5pct_assay_pct", "…at assay (%)", 3.67),
      num("stock_20pct_kg_u", "Stock at 20 % (kg U)", 0),
      num("stock_60pct_kg_u", "Stock at 60 % (kg U)", 0),
      num("ir1", "IR-1 centrifuges enriching", 0, 1),
      num("ir2m", "IR-2m centrifuges enriching", 0, 1),
      num("ir4", "IR-4 centrifuges enriching", 0, 1),
      num("ir6", "IR-6 centrifuges enriching", 0, 1),
      num("target_u235_kg", "Target (kg U-235 at 90 %)", 25),
      h("div", {}, h("button", { type: "submit", id: "whatif-submit" }, "Compute breakout")));
    const set = (id, v) => { document.getElementById(id).value = String(v); };
    const fill = (key) => {
      const st = starts.get(key);
      if (!st) return;
      for (const id of ["stock_le_5pct_kg_u", "stock_20pct_kg_u", "stock_60pct_kg_u", "ir1", "ir2m", "ir4", "ir6"]) set(id, 0);
      set("stock_le_5pct_assay_pct", 3.67);
      const other = [];
      for (const x of st.stocks) {
        if (x.assay_pct <= 5) { set("stock_le_5pct_kg_u", x.kg_u); set("stock_le_5pct_assay_pct", x.assay_pct); }
        else if (x.assay_pct <= 20) set("stock_20pct_kg_u", x.kg_u);
        else if (x.assay_pct <= 60) set("stock_60pct_kg_u", x.kg_u);
        else other.push(`${fmt(x.kg_u)} kg U at ${x.assay_pct} %`);
      }
      const ids = { "IR-1": "ir1", "IR-2m": "ir2m", "IR-4": "ir4", "IR-6": "ir6" };
      const count = {};
      for (const m of st.machines) {
        if (ids[m.kind]) count[ids[m.kind]] = (count[ids[m.kind]] || 0) + m.count;
        else other.push(`${m.count} ${m.kind}`);
      }
      for (const [id, n] of Object.entries(count)) set(id, n);
      note.textContent = other.length ? `Not in this form, left out: ${other.join(", ")}.` : "";
    };
    select.addEventListener("change", () => fill(select.value));
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const v = (id) => Number(document.getElementById(id).value);
      const body = {
        stocks: [
          { assay_pct: v("stock_le_5pct_assay_pct"), kg_u: v("stock_le_5pct_kg_u") },
          // The IAEA's "up to 20 %" band: Iran's product there is 19.75 % U-235
          // (IAEA GOV/2021/10 and later reports).
          { assay_pct: 19.75, kg_u: v("stock_20pct_kg_u") },
          { assay_pct: 60, kg_u: v("stock_60pct_kg_u") },
        ].filter((s) => s.kg_u > 0),
        centrifuges: [["IR-1", "ir1"], ["IR-2m", "ir2m"], ["IR-4", "ir4"], ["IR-6", "ir6"]]
          .map(([type, id]) => ({ type, count: v(id) })).filter((c) => c.count > 0),
        target_u235_kg: v("target_u235_kg"),
      };
      put(result, h("p", { class: "muted" }, "computing…"));
      try {
        const r = await api("/breakout/what-if", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
        put(result, h("div", { class: "card" },
          h("div", { class: "big", id: "whatif-days" }, `${fmt(r.days)} days`),
          h("p", { id: "whatif-summary" }, `About ${fmt(r.days)} days to ${fmt(body.target_u235_kg)} kg U-235 at 90 % by the ${r.route.replaceAll("_", " ")} route`,
            r.uncertainty ? ` (90 % interval ${fmt(r.uncertainty.p05_days)}–${fmt(r.uncertainty.p95_days)} days over ${fmt(r.uncertainty.samples, 0)} Monte Carlo samples, seed ${r.uncertainty.seed})` : "",
            `: ${fmt(r.swu_kg, 0)} kg-SWU at ${fmt(r.swu_per_year, 0)} kg-SWU a year; product ${fmt(r.product_kg_u, 1)} kg U at ${fmt(r.product_pct, 1)} %.`),
          routeBars(r.routes),
          h("ul", { id: "whatif-routes" }, r.routes.map((x) => h("li", { "data-route": x.kind, "data-feasible": String(x.feasible) },
            x.feasible ? `${x.kind.replaceAll("_", " ")}: ${fmt(x.days)} days, ${fmt(x.swu_kg, 0)} kg-SWU` : `${x.kind.replaceAll("_", " ")}: infeasible (${x.reason})`))),
          h("p", { class: "muted" }, `Method: ${r.method}`)));
      } catch (err) {
        put(result, err.status === 401 || err.status === 403 ? needsToken(err, "The what-if computation")
          : h("p", { class: "error" }, `${err.field ? err.field + ": " : ""}${err.message}`));
      }
    });
    put(main, h("h2", {}, "What-if breakout"),
      h("p", { class: "muted" }, "Start from the latest report or a built-in scenario, change the stocks and operating centrifuges; the server computes the time to one significant quantity with Verity's enrichment physics."),
      form, note, result);
    fill(select.value);
  }

  // ---- the negotiation workbench: a proposal over its life, and the deal space ----
  async function deals() {
    const list = await api("/deals");
    const opt = (v, t) => h("option", { value: v }, t);
    const axisSelect = (id, dflt) => h("select", { id, name: id }, list.axes.map((a) => {
      const o = opt(a.name, `${a.name} — ${a.meaning}`); if (a.name === dflt) o.setAttribute("selected", ""); return o; }));
    const num = (id, label, value) => h("label", {}, label, h("input", { id, name: id, type: "number", min: 0, step: "any", value }));
    const evalResult = h("div", { id: "deal-eval-result" });
    const evalForm = h("form", { class: "whatif", id: "deal-eval-form" },
      h("label", {}, "Proposal ", h("select", { id: "deal-proposal" }, list.proposals.map((p) => opt(p.id, `${p.id} (${p.status})`)))),
      h("label", {}, "From ", h("input", { id: "deal-from", placeholder: "the proposal's default (a date or pre-deal-2015)" })),
      h("div", {}, h("button", { type: "submit", id: "deal-eval-submit" }, "Evaluate over the deal's life")));
    const searchResult = h("div", { id: "deal-search-result" });
    const searchForm = h("form", { class: "whatif", id: "deal-search-form" },
      h("label", {}, "Base ", h("select", { id: "deal-base" }, list.proposals.map((p) => opt(p.id, p.id)))),
      h("label", {}, "From ", h("input", { id: "deal-search-from", value: "2025-05-17" })),
      h("label", {}, "x axis ", axisSelect("deal-x", "ir1")), num("deal-x-lo", "x from", 0), num("deal-x-hi", "x to", 10000), num("deal-x-steps", "x steps", 21),
      h("label", {}, "y axis ", axisSelect("deal-y", "reinstall_per_month")), num("deal-y-lo", "y from", 0), num("deal-y-hi", "y to", 2000), num("deal-y-steps", "y steps", 21),
      h("label", {}, "Target (days; blank: the default) ", h("input", { id: "deal-target", type: "number", min: 1, step: "any" })),
      h("div", {}, h("button", { type: "submit", id: "deal-search-submit" }, "Search the deal space")));
    const fail = (out, what) => (err) => put(out, err.status === 401 || err.status === 403 ? needsToken(err, what)
      : h("p", { class: "error" }, `${err.field ? err.field + ": " : ""}${err.message}`));
    evalForm.addEventListener("submit", async (e) => {
      e.preventDefault();
      const body = { proposal: document.getElementById("deal-proposal").value, samples: 2000 };
      const from = document.getElementById("deal-from").value.trim();
      if (from) body.from = from;
      put(evalResult, h("p", { class: "muted" }, "computing…"));
      try {
        const r = await api("/deals/evaluate", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
        const plot = h("div", { id: "deal-eval-chart" });
        const table = h("table", { id: "deal-years" }, h("tr", {}, ["year", "date", "days", "p05", "p95", "route", "kg-SWU/yr", "sneakout", "lapsed"].map((c) => h("th", {}, c))),
          r.years.map((y) => h("tr", {}, h("td", {}, y.year), h("td", {}, y.date), h("td", {}, fmt(y.days)), h("td", {}, fmt(y.days_p05)), h("td", {}, fmt(y.days_p95)),
            h("td", {}, y.route.replaceAll("_", " ")), h("td", {}, fmt(y.capacity_swu_per_year, 0)), h("td", {}, fmt(y.sneakout_days)), h("td", {}, y.state.lapsed.join("; ")))));
        put(evalResult, h("div", { class: "card" },
          h("p", { id: "deal-eval-summary" }, `${r.title} (${r.status}) from ${r.start.name}: shortest breakout ${fmt(r.min_days)} days`,
            r.min_year === null ? "" : ` (year ${r.min_year})`, `; sneakout ${fmt(r.sneakout_days)} days in a covert plant of ${r.sneakout.count} ${r.sneakout.machine}.`),
          plot, withCsv(table, `deal-${r.proposal}`),
          h("h3", {}, "Verification"), h("ul", { id: "deal-verification" }, r.verification.map((v) => h("li", { "data-in-time": String(v.in_time) }, v.text))),
          h("p", { class: "muted" }, `Method: ${r.method}`),
          h("p", { class: "muted" }, `Sources: ${r.sources.join(" · ")}`)));
        const pts = r.years.filter((y) => y.days !== null);
        chart(plot, { title: `Breakout over the life of ${r.proposal}, days`, yLabel: "days",
          series: [{ name: "breakout (central)", points: pts.map((y) => [y.date, y.days]) },
            { name: "sneakout", points: r.years.filter((y) => y.sneakout_days !== null).map((y) => [y.date, y.sneakout_days]) }],
          bands: [{ name: "5th–95th percentile", points: pts.map((y) => [y.date, y.days_p05, y.days_p95]) }],
          limits: [{ y: r.target_days, label: "target" }], sources: r.sources.join("; ") }, `deal-${r.proposal}`);
      } catch (err) { fail(evalResult, "Evaluating a proposal")(err); }
    });
    searchForm.addEventListener("submit", async (e) => {
      e.preventDefault();
      const v = (id) => document.getElementById(id).value;
      const axis = (k) => `${v(`deal-${k}`)}=${v(`deal-${k}-lo`)}..${v(`deal-${k}-hi`)}:${v(`deal-${k}-steps`)}`;
      const axes = [axis("x"), axis("y")];
      // A start_year axis is the start itself: no separate From then.
      const sweepsStart = axes.some((a) => a.startsWith("start_year="));
      const body = { base: v("deal-base"), axes, from: sweepsStart ? undefined : (v("deal-search-from").trim() || undefined), samples: 300 };
      if (v("deal-target")) body.target_days = Number(v("deal-target"));
      put(searchResult, h("p", { class: "muted" }, "computing…"));
      try {
        const r = await api("/deals/search", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
        const svg = heatMap(r);
        put(searchResult, h("div", { class: "card" },
          h("p", { id: "deal-search-summary" }, `${r.points.length} deal points from ${r.start}, base ${r.base}: the colour is the probability that breakout is at least ${fmt(r.target_days)} days; the line is the frontier (probability ≥ ${r.confidence}); markers place the proposals.`),
          svg, Charts.exportLinks(svg, "deal-space"), h("p", { class: "muted" }, `Method: ${r.method}`)));
      } catch (err) { fail(searchResult, "Searching the deal space")(err); }
    });
    put(main, h("h2", {}, "Negotiation workbench"),
      h("p", { class: "muted" }, "A proposal's breakout for every year of its life, and a search of the deal space for the limits that keep breakout above a target. Proposals marked reported are as publicly reported, not official texts."),
      h("h3", {}, "A proposal over its life"), evalForm, evalResult,
      h("h3", {}, "The deal space"), searchForm, searchResult);
  }

  // The search's points as a heat map over its two axes, the frontier as a line and
  // the proposals as labelled markers (an inline SVG, no library).
  function heatMap(r) {
    const NS = "http://www.w3.org/2000/svg";
    const mk = (tag, attrs, text) => { const n = document.createElementNS(NS, tag); for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, String(v)); if (text !== undefined) n.textContent = text; return n; };
    const [ax, ay] = r.axes.map((a) => a.name);
    const xs = [...new Set(r.points.map((p) => p.axes[ax]))].sort((a, b) => a - b);
    const ys = ay ? [...new Set(r.points.map((p) => p.axes[ay]))].sort((a, b) => a - b) : [0];
    const W = 720, H = 480, M = { l: 80, r: 20, t: 30, b: 56 };
    const cw = (W - M.l - M.r) / xs.length, ch = (H - M.t - M.b) / ys.length;
    const svg = mk("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart heatmap", role: "img", "aria-label": `deal space over ${ax}${ay ? " and " + ay : ""}`, "data-points": r.points.length, "data-frontier": r.frontier.length });
    svg.appendChild(mk("text", { x: M.l, y: 18, style: "font-size:13px" }, `P(breakout ≥ ${fmt(r.target_days)} days) from ${r.start}`));
    const xi = (x) => xs.indexOf(x), yi = (y) => ys.indexOf(y);
    const cx = (x) => M.l + (xi(x) + 0.5) * cw, cy = (y) => H - M.b - (yi(y) + 0.5) * ch;
    for (const p of r.points) {
      const x = xi(p.axes[ax]), y = ay ? yi(p.axes[ay]) : 0;
      const t = p.p_meets_target; // red (0) → green (1)
      const col = `rgb(${Math.round(200 * (1 - t) + 30)},${Math.round(170 * t + 40)},70)`;
      const cell = mk("rect", { x: (M.l + x * cw).toFixed(1), y: (H - M.b - (y + 1) * ch).toFixed(1), width: cw.toFixed(1), height: ch.toFixed(1), fill: col, class: "cell", "data-p": t });
      cell.appendChild(mk("title", {}, `${ax}=${p.axes[ax]}${ay ? `, ${ay}=${p.axes[ay]}` : ""}: ${fmt(p.days)} days, P = ${fmt(t, 2)}`));
      svg.appendChild(cell);
    }
    const fr = r.frontier.slice().sort((a, b) => a.axes[ax] - b.axes[ax] || (ay ? a.axes[ay] - b.axes[ay] : 0));
    // Each frontier cell outlined (a lone point still shows), joined by a line.
    for (const f of fr) {
      const x = xi(f.axes[ax]), y = ay ? yi(f.axes[ay]) : 0;
      svg.appendChild(mk("rect", { x: (M.l + x * cw + 1.5).toFixed(1), y: (H - M.b - (y + 1) * ch + 1.5).toFixed(1), width: Math.max(cw - 3, 1).toFixed(1), height: Math.max(ch - 3, 1).toFixed(1), fill: "none", stroke: "#111", "stroke-width": 2.5, class: "frontier-cell" }));
    }
    if (fr.length > 1) svg.appendChild(mk("polyline", { class: "frontier", fill: "none", stroke: "#111", "stroke-width": 2.5, "stroke-dasharray": "6 4",
      points: fr.map((f) => `${cx(f.axes[ax]).toFixed(1)},${(ay ? cy(f.axes[ay]) : H / 2).toFixed(1)}`).join(" ") }));
    const lerp = (vals, v, lo, step) => { // position of a value between grid values
      if (v <= vals[0]) return lo + 0.5 * step; if (v >= vals[vals.length - 1]) return lo + (vals.length - 0.5) * step;
      let i = 0; while (vals[i + 1] < v) i++;
      return lo + (i + 0.5 + (v - vals[i]) / (vals[i + 1] - vals[i])) * step; };
    // Proposals at one place share a label; labels move down until they clear the
    // ones already placed (about 6.5 px a character at 11 px).
    const spots = new Map();
    for (const p of r.proposals) {
      const px = lerp(xs, p.axes[ax], M.l, cw), py = ay ? H - M.b - lerp(ys, p.axes[ay], 0, ch) : H / 2;
      const key = `${px.toFixed(0)},${py.toFixed(0)}`;
      if (!spots.has(key)) spots.set(key, { px, py, ids: [] });
      spots.get(key).ids.push(p.id);
    }
    const placed = [];
    for (const { px, py, ids } of [...spots.values()].sort((a, b) => a.px - b.px || a.py - b.py)) {
      for (const id of ids) svg.appendChild(mk("circle", { cx: px.toFixed(1), cy: py.toFixed(1), r: 5, class: "proposal", "data-id": id, fill: "#fff", stroke: "#111" }));
      const label = ids.join(", "), w = label.length * 6.5 + 6;
      let lx = Math.min(px + 7, W - M.r - w), ly = py - 6;
      const hits = (y) => placed.some((b) => lx < b.x + b.w && b.x < lx + w && Math.abs(b.y - y) < 13);
      for (let k = 1; hits(ly) && k < 12; k++) ly = py - 6 + k * 14;
      placed.push({ x: lx, y: ly, w });
      const t = mk("text", { x: lx.toFixed(1), y: ly.toFixed(1), style: "font-size:11px;paint-order:stroke;stroke:#fff;stroke-width:3px" }, label);
      svg.appendChild(t);
    }
    const every = (n) => Math.max(1, Math.ceil(n / 8));
    xs.forEach((x, i) => { if (i % every(xs.length) === 0) svg.appendChild(mk("text", { x: cx(x).toFixed(1), y: H - M.b + 16, "text-anchor": "middle", style: "font-size:11px" }, fmt(x, 2))); });
    ys.forEach((y, i) => { if (ay && i % every(ys.length) === 0) svg.appendChild(mk("text", { x: M.l - 6, y: (cy(y) + 4).toFixed(1), "text-anchor": "end", style: "font-size:11px" }, fmt(y, 2))); });
    svg.appendChild(mk("text", { x: (M.l + W - M.r) / 2, y: H - 14, "text-anchor": "middle" }, ax));
    if (ay) svg.appendChild(mk("text", { x: 14, y: (M.t + H - M.b) / 2, transform: `rotate(-90 14 ${(M.t + H - M.b) / 2})`, "text-anchor": "middle" }, ay));
    return svg;
  }

  // The feasible routes' days as horizontal bars (an inline SVG, no library).
  function routeBars(routes) {
    const ok = routes.filter((x) => x.feasible && x.days > 0);
    if (!ok.length) return null;
    const NS = "http://www.w3.org/2000/svg";
    const max = Math.max(...ok.map((x) => x.days));
    const svg = document.createElementNS(NS, "svg");
    const rowH = 22, w = 520, left = 130;
    svg.setAttribute("viewBox", `0 0 ${w} ${ok.length * rowH + 8}`);
    svg.setAttribute("class", "chart bars");
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", ok.map((x) => `${x.kind.replaceAll("_", " ")}: ${fmt(x.days)} days`).join("; "));
    ok.forEach((x, i) => {
      const y = 4 + i * rowH;
      const t = document.createElementNS(NS, "text");
      t.setAttribute("x", "4"); t.setAttribute("y", String(y + 14)); t.textContent = x.kind.replaceAll("_", " ");
      const r = document.createElementNS(NS, "rect");
      const len = Math.max(1, (w - left - 70) * x.days / max);
      r.setAttribute("x", String(left)); r.setAttribute("y", String(y + 3)); r.setAttribute("width", len.toFixed(1)); r.setAttribute("height", "14");
      r.setAttribute("class", "bar"); r.setAttribute("data-days", String(x.days));
      const v = document.createElementNS(NS, "text");
      v.setAttribute("x", String(left + len + 4)); v.setAttribute("y", String(y + 14)); v.textContent = `${fmt(x.days)} d`;
      svg.append(t, r, v);
    });
    return svg;
  }

  const PAGES = { "": overview, matrix, stockpile, breakout, centrifuges, log, whatif, deals };

  // Navigations run one at a time, in order, and one superseded while it waited is
  // skipped: two pages never render into `main` at once (a page that awaits data would
  // otherwise find the other's elements, or none, when it resumes).
  let navSeq = 0;
  let navChain = Promise.resolve();
  function route() {
    const nav = ++navSeq;
    navChain = navChain.then(() => routeNow(nav));
    return navChain;
  }

  async function routeNow(nav) {
    if (nav !== navSeq) return;
    const hash = location.hash.replace(/^#\/?/, "");
    const [name, query] = hash.split("?");
    const page = PAGES[name] ? name : "";
    for (const a of document.querySelectorAll("#nav a")) a.classList.toggle("active", a.dataset.page === (page || "overview"));
    document.body.dataset.page = page || "overview";
    document.body.dataset.ready = "false";
    try {
      await PAGES[page](new URLSearchParams(query || ""));
    } catch (err) {
      put(main, h("p", { class: "error" }, `Could not load this page: ${err.message}`));
    }
    if (nav === navSeq) document.body.dataset.ready = "true";
  }

  async function whoami() {
    try {
      const me = await api("/me");
      document.getElementById("who").textContent = me.role;
    } catch (e) {
      document.getElementById("who").textContent = "invalid token";
    }
  }

  function init() {
    // A token may arrive in the fragment (`#token=…`, as printed by `verity serve`);
    // keep it in local storage and drop it from the address bar.
    const m = location.hash.match(/^#token=([A-Za-z0-9_\-]+)/);
    if (m) { localStorage.setItem(TOKEN_KEY, m[1]); history.replaceState(null, "", location.pathname + "#/"); }
    document.getElementById("token-form").addEventListener("submit", (e) => {
      e.preventDefault();
      const t = document.getElementById("token-input").value.trim();
      if (t) localStorage.setItem(TOKEN_KEY, t);
      document.getElementById("token-input").value = "";
      assessmentCache = null; whoami(); route();
    });
    document.getElementById("token-clear").addEventListener("click", () => {
      localStorage.removeItem(TOKEN_KEY); assessmentCache = null; whoami(); route();
    });
    window.addEventListener("hashchange", route);
    whoami();
    route();
  }

  init();
  return { api, route, verifyGiven };
})();
