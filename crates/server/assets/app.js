// The Verity dashboard: a hash-routed single page over the JSON API under /api/v1.
// Every value shown comes from the API; nothing here computes a verdict or a figure.
"use strict";

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
  const fmt = (v, digits = 1) => (v === null || v === undefined ? "—" : Number(v).toLocaleString("en", { maximumFractionDigits: digits }));
  const statusBadge = (s) => h("span", { class: `status s-${s}` }, s.replace("_", " "));

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
        h("p", { class: "muted" }, `${last.date}; central estimate, 90 % interval ${fmt(last.days_p05)}–${fmt(last.days_p95)} days (${last.band.replaceAll("_", " ")}); route ${last.route.replaceAll("_", " ")}, lower bound ${fmt(last.lower_bound_days)} days${last.verified ? "" : "; not verified"}`)]
        : h("p", { class: "muted" }, "no estimate"),
      h("a", { href: "#/breakout" }, "timeline →")));
    cards.push(h("div", { class: "card", id: "log-head" },
      h("h3", {}, "Transparency log"),
      h("div", { class: "big" }, `${fmt(cp.tree_size, 0)} ${cp.tree_size === 1 ? "entry" : "entries"}`),
      h("p", { class: "muted", style: "word-break:break-all" }, `head ${cp.root_hash_hex}`),
      h("a", { href: "#/log" }, "entries and proofs →")));
    main.replaceChildren(h("h2", {}, "Overview"), h("div", { class: "cards" }, cards));
  }

  async function matrix(params) {
    const assess = await assessment();
    const party = params.get("party");
    const verdicts = assess.verdicts.filter((v) => !party || v.party === party);
    const dates = [...new Set(verdicts.map((v) => v.date))].sort();
    const obs = [...new Map(verdicts.map((v) => [v.obligation, v])).values()]
      .sort((a, b) => (a.party + a.obligation).localeCompare(b.party + b.obligation));
    const cell = new Map(verdicts.map((v) => [`${v.obligation}|${v.date}`, v]));
    const detail = h("div", { id: "cell-detail", class: "card" }, h("p", { class: "muted" }, "Choose a cell to see its evidence and citation."));
    const table = h("table", { class: "matrix" },
      h("thead", {}, h("tr", {}, h("th", { class: "ob" }, "obligation"), dates.map((d) => h("th", { class: "date" }, d)))),
      h("tbody", {}, obs.map((o) => h("tr", {},
        h("th", { class: "ob", title: o.cite }, `${o.party} · ${o.obligation}`),
        dates.map((d) => {
          const v = cell.get(`${o.obligation}|${d}`);
          if (!v) return h("td", { class: "cell" });
          return h("td", { class: `cell s-${v.status}`, "data-status": v.status },
            h("a", { href: `#/matrix?${party ? "party=" + encodeURIComponent(party) + "&" : ""}ob=${encodeURIComponent(v.obligation)}&date=${v.date}`,
              title: `${v.obligation} ${v.date}: ${v.status}`, onclick: (e) => { e.preventDefault(); showVerdict(detail, v); detail.scrollIntoView({ block: "start" }); } }));
        })))));
    const legend = h("p", { class: "legend" }, assess.legend.map((l) => h("span", {}, statusBadge(l.status))));
    const parties = assess.parties.map((p) => p.id).sort();
    const filter = h("p", {}, "Party: ", h("a", { href: "#/matrix" }, "all"),
      parties.map((p) => [" · ", h("a", { href: `#/matrix?party=${encodeURIComponent(p)}` }, p)]));
    // The dispute procedures invoked (JCPOA para. 36, UNSCR 2231 snapback), as the
    // report lists them.
    const disputes = h("table", { id: "disputes" },
      h("tr", {}, ["notified", "mechanism", "raised by", "stages", "outcome"].map((c) => h("th", {}, c))),
      assess.disputes.map((d) => h("tr", { "data-mechanism": d.mechanism },
        h("td", {}, d.notified), h("td", {}, d.mechanism), h("td", {}, d.raised_by),
        h("td", {}, d.stages.map((s) => `${s.start} – ${s.end}: ${s.name} (${s.cite})`).join("; ")),
        h("td", {}, d.outcome ? `${d.outcome_date}: ${d.outcome}` : "none recorded",
          d.standing_contested_by.length ? ` (standing contested by ${d.standing_contested_by.join(", ")})` : ""))));
    main.replaceChildren(h("h2", {}, "Compliance matrix"), filter, legend, h("div", { class: "matrix-wrap" }, table), detail,
      h("h3", {}, "Disputes"), disputes);
    const pick = params.get("ob") && cell.get(`${params.get("ob")}|${params.get("date")}`);
    if (pick) showVerdict(detail, pick);
  }

  function sourceText(s) {
    if (typeof s === "string") return s;
    return Object.entries(s).filter(([, v]) => v !== null && v !== undefined).map(([k, v]) => `${k}: ${v}`).join(", ");
  }

  function showVerdict(detail, v) {
    detail.replaceChildren(
      h("h3", {}, `${v.party} · ${v.obligation} on ${v.date}`),
      h("p", {}, statusBadge(v.status),
        v.finding && v.finding !== v.status ? h("span", {}, " · finding on the evidence: ", statusBadge(v.finding)) : null),
      h("p", {}, "Citation: ", h("strong", {}, v.cite || "—")),
      (v.readings || []).length ? h("div", {}, h("p", {}, v.status === "contested" ? "Contested — the parties read it differently:" : "Readings that differ:"),
        h("ul", { class: "readings" }, v.readings.map((r) => h("li", {}, h("strong", {}, r.party), ": ", statusBadge(r.status),
          ` — ${r.position} (${r.cite})`)))) : null,
      h("p", {}, `Value: ${fmt(v.value, 2)} ${v.unit || ""} · limit: ${fmt(v.limit, 2)} ${v.unit || ""}`),
      h("p", {}, "Evidence:"),
      h("ul", { class: "sources" }, (v.sources || []).map((s) => h("li", {}, sourceText(s)))),
      (v.sources || []).length === 0 ? h("p", { class: "muted" }, "no evidence for this date") : null,
      h("div", { id: "cell-evidence" }));
    // The records of that date, with report and paragraph (readers with a token).
    const box = detail.querySelector("#cell-evidence");
    api(`/evidence?from=${v.date}&to=${v.date}`).then((ev) => {
      const rows = [
        ...ev.measurements.map((m) => [m.label || m.metric, `${central(m) ?? "—"} ${m.unit}`, m.basis, sourceText(m.source)]),
        ...ev.events.map((e) => [`${e.party}: ${e.label || e.event}`, "", "event", sourceText(e.source)]),
      ];
      box.replaceChildren(h("p", {}, `Records dated ${v.date} (${rows.length}):`),
        h("table", { class: "cell-records" }, h("tr", {}, ["record", "figure", "basis", "source"].map((c) => h("th", {}, c))),
          rows.map((r) => h("tr", {}, r.map((c) => h("td", {}, String(c)))))));
    }).catch((err) => box.replaceChildren(err.status === 401 || err.status === 403
      ? h("p", { class: "muted" }, "Sign in with a token to see the records of this date.")
      : h("p", { class: "error" }, err.message)));
  }

  async function measurements(metricPrefix) {
    const ev = await api(`/evidence?metric_prefix=${encodeURIComponent(metricPrefix)}`);
    return ev.measurements;
  }

  async function stockpile() {
    main.replaceChildren(h("h2", {}, "Enriched-uranium stockpile"), h("div", { id: "chart" }));
    let ms;
    try { ms = await measurements("enriched_uranium_stock"); } catch (e) { main.appendChild(needsToken(e, "The stockpile")); return; }
    // The limit as the agreement states it (JCPOA Annex I: 300 kg UF6, which the IAEA
    // reports as 202.8 kg U), with its citation, from the agreement itself.
    const obligations = await api("/agreements/jcpoa/obligations");
    const limit = obligations.find((o) => o.metric === "enriched_uranium_stock" && o.limit_in_metric_unit !== null);
    const limits = limit ? [{ y: limit.limit_in_metric_unit,
      label: `limit ${fmt(limit.limit)} ${limit.unit === "kg_uf6" ? "kg UF6" : limit.unit} = ${fmt(limit.limit_in_metric_unit)} kg U (${limit.cite})` }] : [];
    const draw = (log) => Charts.timeSeries(document.getElementById("chart"), {
      title: `Enriched uranium stock by assay band (kg U, as reported by the IAEA${log ? "; log scale" : ""})`,
      yLabel: "kg U", unit: "kg U", log, series: [...seriesOf(ms).values()], limits,
    });
    draw(false);
    const toggle = h("input", { type: "checkbox", id: "logscale", onchange: (e) => draw(e.target.checked) });
    main.insertBefore(h("p", {}, h("label", {}, toggle, " logarithmic scale (to see small stocks beside the limit)")), document.getElementById("chart"));
    main.appendChild(sourcesTable(ms));
  }

  async function centrifuges() {
    main.replaceChildren(h("h2", {}, "Centrifuges"), h("div", { id: "chart" }));
    let ms;
    try { ms = await measurements("centrifuges"); } catch (e) { main.appendChild(needsToken(e, "Centrifuge counts")); return; }
    const series = seriesOf(ms);
    Charts.timeSeries(document.getElementById("chart"), {
      title: "Centrifuges installed and enriching, by type and site (IAEA reports)", yLabel: "centrifuges", unit: "",
      series: [...series.values()],
    });
    main.appendChild(sourcesTable(ms));
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
      series.get(m.metric).points.push([m.date, v]);
    }
    return series;
  }

  function sourcesTable(ms) {
    const rows = [...ms].sort((a, b) => (b.date + a.metric).localeCompare(a.date + b.metric)).slice(0, 400);
    return h("details", {}, h("summary", {}, `Figures and sources (${ms.length})`),
      h("table", {}, h("tr", {}, ["date", "metric", "value", "±", "basis", "source"].map((c) => h("th", {}, c))),
        rows.map((m) => h("tr", {}, h("td", {}, m.date), h("td", {}, m.metric), h("td", {}, m.value !== null ? fmt(m.value, 2) : `${m.low !== null ? "≥ " + fmt(m.low, 2) : ""}${m.high !== null ? " ≤ " + fmt(m.high, 2) : ""}`),
          h("td", {}, m.sigma === null || m.sigma === undefined ? "" : fmt(m.sigma, 2)), h("td", {}, m.basis || ""),
          h("td", {}, sourceText(m.source || {}))))));
  }

  async function breakout() {
    const assess = await assessment();
    main.replaceChildren(h("h2", {}, "Breakout time"), h("div", { id: "chart" }),
      h("p", { class: "muted" }, assess.breakout_method));
    const b = assess.breakout;
    Charts.timeSeries(document.getElementById("chart"), {
      title: "Breakout time at each IAEA report date (days, log scale)", yLabel: "days", unit: "days", log: true,
      series: [{ name: "central estimate", points: b.map((r) => [r.date, r.days]) },
        { name: "lower bound (one pooled cascade)", points: b.map((r) => [r.date, r.lower_bound_days]) }],
      bands: [{ name: "5–95 % interval", points: b.map((r) => [r.date, r.days_p05, r.days_p95]) }],
      // The one-year breakout goal the negotiators set for the JCPOA's first decade
      // (The White House, "The Iran Nuclear Deal: What You Need to Know about the JCPOA",
      // July 2015: from 2–3 months to at least one year).
      limits: [{ y: assess.one_year_days, label: "one year (the negotiators' goal)" }],
    });
    main.appendChild(h("table", { id: "breakout-table" }, h("tr", {}, ["date", "days", "p05", "p95", "lower bound", "", "route", "verified", "basis"].map((c) => h("th", {}, c))),
      b.map((r) => h("tr", { "data-verified": String(r.verified), "data-carried": String(r.machine_basis.some((m) => m.carried_forward) || r.stocks_carried_forward.length > 0) },
        h("td", {}, r.date), h("td", {}, fmt(r.days)), h("td", {}, fmt(r.days_p05)), h("td", {}, fmt(r.days_p95)), h("td", {}, fmt(r.lower_bound_days)),
        h("td", {}, r.band.replaceAll("_", " ")), h("td", {}, r.route.replaceAll("_", " ")), h("td", {}, r.verified ? "yes" : "no"), h("td", {}, r.basis)))));
  }

  async function log(params) {
    const cp = await api("/log/checkpoint");
    const out = h("div", { id: "log-result" });
    const lookup = h("form", { id: "entry-form" },
      h("label", {}, "Entry index ", h("input", { id: "entry-index", type: "number", min: 0, value: params.get("entry") || "" })),
      " ", h("button", { type: "submit" }, "Look up and prove inclusion"));
    lookup.addEventListener("submit", async (e) => {
      e.preventDefault();
      const idx = document.getElementById("entry-index").value;
      out.replaceChildren(h("p", { class: "muted" }, "…"));
      try {
        const [entry, proof] = await Promise.all([api(`/log/entries/${idx}`), api(`/log/proofs/inclusion?index=${idx}&size=${cp.tree_size}`)]);
        out.replaceChildren(h("h3", {}, `Entry ${idx}`), h("pre", { id: "entry-json" }, JSON.stringify(entry, null, 2)),
          h("h3", {}, `Inclusion proof in the tree of size ${proof.tree_size}`), h("pre", { id: "proof-json" }, JSON.stringify(proof, null, 2)));
      } catch (err) { out.replaceChildren(h("p", { class: "error" }, err.message)); }
    });
    const recent = await api(`/log/entries?start=${Math.max(0, cp.tree_size - 20)}&limit=20`);
    main.replaceChildren(h("h2", {}, "Transparency log"),
      h("p", {}, `Tree size ${cp.tree_size}; root `, h("code", {}, cp.root_hash_hex)),
      h("h3", {}, "Signed checkpoint"), h("pre", { id: "checkpoint" }, cp.text),
      lookup, out,
      h("h3", {}, "Latest entries"),
      h("table", { id: "entries" }, h("tr", {}, ["index", "kind", "signer", "content hash"].map((c) => h("th", {}, c))),
        recent.entries.slice().reverse().map((e) => h("tr", {},
          h("td", {}, h("a", { href: `#/log?entry=${e.index}` }, String(e.index))), h("td", {}, e.kind || ""),
          h("td", {}, e.signer || ""), h("td", {}, h("code", {}, e.content_hash_hex || ""))))));
    if (params.get("entry")) lookup.requestSubmit();
  }

  async function whatif() {
    const num = (id, label, value, step = "any") => h("label", {}, label, h("input", { id, name: id, type: "number", min: 0, step, value }));
    const result = h("div", { id: "whatif-result" });
    const form = h("form", { class: "whatif", id: "whatif-form" },
      num("stock_le_5pct_kg_u", "Stock ≤ 5 % (kg U)", 0),
      num("stock_le_5pct_assay_pct", "…at assay (%)", 3.67),
      num("stock_20pct_kg_u", "Stock at 20 % (kg U)", 0),
      num("stock_60pct_kg_u", "Stock at 60 % (kg U)", 0),
      // 5,060 IR-1 machines: the JCPOA's cap on enriching centrifuges (Annex I, para. 27).
      num("ir1", "IR-1 centrifuges enriching", 5060, 1),
      num("ir2m", "IR-2m centrifuges enriching", 0, 1),
      num("ir4", "IR-4 centrifuges enriching", 0, 1),
      num("ir6", "IR-6 centrifuges enriching", 0, 1),
      num("target_u235_kg", "Target (kg U-235 at 90 %)", 25),
      h("div", {}, h("button", { type: "submit", id: "whatif-submit" }, "Compute breakout")));
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
      result.replaceChildren(h("p", { class: "muted" }, "computing…"));
      try {
        const r = await api("/breakout/what-if", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
        result.replaceChildren(h("div", { class: "card" },
          h("div", { class: "big", id: "whatif-days" }, `${fmt(r.days)} days`),
          r.uncertainty ? h("p", {}, `90 % interval ${fmt(r.uncertainty.p05_days)}–${fmt(r.uncertainty.p95_days)} days (${r.uncertainty.samples} Monte Carlo samples, seed ${r.uncertainty.seed}).`) : null,
          h("p", {}, `Separative work needed: ${fmt(r.swu_kg, 0)} kg-SWU at ${fmt(r.swu_per_year, 0)} kg-SWU/yr; product ${fmt(r.product_kg_u, 1)} kg U at ${fmt(r.product_pct, 1)} %. Route: ${r.route.replaceAll("_", " ")}.`),
          h("ul", { id: "whatif-routes" }, r.routes.map((x) => h("li", { "data-route": x.kind, "data-feasible": String(x.feasible) },
            x.feasible ? `${x.kind.replaceAll("_", " ")}: ${fmt(x.days)} days, ${fmt(x.swu_kg, 0)} kg-SWU` : `${x.kind.replaceAll("_", " ")}: infeasible (${x.reason})`))),
          h("p", { class: "muted" }, `Method: ${r.method}`),
          h("pre", {}, JSON.stringify(r, null, 2))));
      } catch (err) {
        result.replaceChildren(err.status === 401 || err.status === 403 ? needsToken(err, "The what-if computation")
          : h("p", { class: "error" }, `${err.field ? err.field + ": " : ""}${err.message}`));
      }
    });
    main.replaceChildren(h("h2", {}, "What-if breakout"),
      h("p", { class: "muted" }, "Enter stocks and operating centrifuges; the server computes the time to one significant quantity with Verity's enrichment physics."),
      form, result);
  }

  const PAGES = { "": overview, matrix, stockpile, breakout, centrifuges, log, whatif };

  async function route() {
    const hash = location.hash.replace(/^#\/?/, "");
    const [name, query] = hash.split("?");
    const page = PAGES[name] ? name : "";
    for (const a of document.querySelectorAll("#nav a")) a.classList.toggle("active", a.dataset.page === (page || "overview"));
    document.body.dataset.page = page || "overview";
    document.body.dataset.ready = "false";
    try {
      await PAGES[page](new URLSearchParams(query || ""));
    } catch (err) {
      main.replaceChildren(h("p", { class: "error" }, `Could not load this page: ${err.message}`));
    }
    document.body.dataset.ready = "true";
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
  return { api, route };
})();
