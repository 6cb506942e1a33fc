// Small SVG time-series charts for the Verity dashboard: lines, uncertainty bands and
// limit lines on a date axis, with a linear or logarithmic value axis. No dependencies.
"use strict";

const Charts = (() => {
  const NS = "http://www.w3.org/2000/svg";
  // Okabe & Ito's colour-blind-safe palette (Color Universal Design, 2008), yellow left
  // out for contrast on white; beyond eight series the dash pattern tells them apart.
  const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000", "#999999"];
  const DASHES = ["", "6 3", "2 3", "8 3 2 3"];

  function el(tag, attrs, text) {
    const node = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // Dates are ISO calendar dates; the axis is in days since the epoch (UTC).
  function dayOf(iso) { return Date.parse(iso + "T00:00:00Z") / 86400000; }

  function niceTicks(lo, hi, count) {
    const span = hi - lo || 1;
    const raw = span / count;
    const mag = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) || raw;
    const ticks = [];
    for (let t = Math.ceil(lo / step) * step; t <= hi + 1e-9; t += step) ticks.push(+t.toPrecision(12));
    return ticks;
  }

  function logTicks(lo, hi) {
    const ticks = [];
    for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
      for (const m of [1, 2, 5]) {
        const t = m * Math.pow(10, e);
        if (t >= lo && t <= hi) ticks.push(t);
      }
    }
    return ticks;
  }

  function fmt(v) {
    if (Math.abs(v) >= 1000) return v.toLocaleString("en", { maximumFractionDigits: 0 });
    if (Math.abs(v) >= 10) return v.toFixed(0);
    return +v.toPrecision(3) + "";
  }

  // Draws a chart into `container` (replacing its content) and returns the <svg>.
  // spec = { title, yLabel, log, series: [{ name, points: [[isoDate, value]] }],
  //          bands: [{ name, points: [[isoDate, lo, hi]] }], limits: [{ y, label }],
  //          events: [{ date, label }] (the timeline band), sources: "…" (printed) }
  function timeSeries(container, spec) {
    const W = 900, H = 360, M = { l: 64, r: 16, t: 40, b: 46 };
    const series = (spec.series || []).filter((s) => s.points.length > 0);
    const bands = (spec.bands || []).filter((b) => b.points.length > 0);
    const limits = spec.limits || [];
    const svg = el("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart", role: "img", "aria-label": spec.title || "chart" });
    let npoints = 0;
    const xs = [], ys = [];
    for (const s of series) for (const [d, v] of s.points) { xs.push(dayOf(d)); ys.push(v); npoints++; }
    for (const b of bands) for (const [d, lo, hi] of b.points) { xs.push(dayOf(d)); ys.push(lo, hi); }
    for (const l of limits) ys.push(l.y);
    svg.setAttribute("data-points", npoints);
    svg.setAttribute("data-series", series.length);
    if (spec.title) svg.appendChild(el("text", { x: M.l, y: 18, style: "font-size:13px;fill:#1d2330" }, spec.title));
    if (xs.length === 0) {
      svg.appendChild(el("text", { x: W / 2, y: H / 2, "text-anchor": "middle" }, "No data"));
      container.replaceChildren(svg);
      return svg;
    }
    const log = !!spec.log;
    const pos = ys.filter((v) => v > 0);
    let x0 = Math.min(...xs), x1 = Math.max(...xs);
    if (x0 === x1) { x0 -= 30; x1 += 30; }
    let y0 = log ? Math.min(...pos) / 1.3 : Math.min(0, ...ys);
    let y1 = log ? Math.max(...pos) * 1.3 : Math.max(...ys) * 1.08;
    if (y0 === y1) y1 = y0 + 1;
    const sx = (x) => M.l + ((x - x0) / (x1 - x0)) * (W - M.l - M.r);
    const sy = log
      ? (y) => H - M.b - ((Math.log(Math.max(y, y0)) - Math.log(y0)) / (Math.log(y1) - Math.log(y0))) * (H - M.t - M.b)
      : (y) => H - M.b - ((y - y0) / (y1 - y0)) * (H - M.t - M.b);

    // Grid and axes.
    const yt = log ? logTicks(y0, y1) : niceTicks(y0, y1, 6);
    for (const t of yt) {
      svg.appendChild(el("line", { x1: M.l, x2: W - M.r, y1: sy(t), y2: sy(t), class: "grid" }));
      svg.appendChild(el("text", { x: M.l - 6, y: sy(t) + 4, "text-anchor": "end" }, fmt(t)));
    }
    const yearLo = new Date(x0 * 86400000).getUTCFullYear(), yearHi = new Date(x1 * 86400000).getUTCFullYear();
    const every = Math.max(1, Math.ceil((yearHi - yearLo + 1) / 12));
    for (let y = yearLo; y <= yearHi + 1; y += every) {
      const d = dayOf(`${y}-01-01`);
      if (d < x0 || d > x1) continue;
      svg.appendChild(el("line", { x1: sx(d), x2: sx(d), y1: M.t, y2: H - M.b, class: "grid" }));
      svg.appendChild(el("text", { x: sx(d), y: H - M.b + 16, "text-anchor": "middle" }, String(y)));
    }
    svg.appendChild(el("line", { x1: M.l, x2: W - M.r, y1: H - M.b, y2: H - M.b, class: "axis" }));
    svg.appendChild(el("line", { x1: M.l, x2: M.l, y1: M.t, y2: H - M.b, class: "axis" }));
    if (spec.yLabel) {
      svg.appendChild(el("text", { x: 14, y: (M.t + H - M.b) / 2, transform: `rotate(-90 14 ${(M.t + H - M.b) / 2})`, "text-anchor": "middle" }, spec.yLabel));
    }

    // Bands first, so lines draw over them.
    bands.forEach((b, i) => {
      const pts = [...b.points].sort((a, c) => dayOf(a[0]) - dayOf(c[0]));
      const top = pts.map(([d, , hi]) => `${sx(dayOf(d)).toFixed(1)},${sy(hi).toFixed(1)}`);
      const bottom = pts.map(([d, lo]) => `${sx(dayOf(d)).toFixed(1)},${sy(lo).toFixed(1)}`).reverse();
      const poly = el("polygon", { points: top.concat(bottom).join(" "), class: "band", fill: b.color || PALETTE[i % PALETTE.length], "data-name": b.name });
      poly.appendChild(el("title", {}, b.name));
      svg.appendChild(poly);
    });

    series.forEach((s, i) => {
      const color = s.color || PALETTE[i % PALETTE.length];
      const pts = [...s.points].sort((a, c) => dayOf(a[0]) - dayOf(c[0]));
      const dash = DASHES[Math.floor(i / PALETTE.length) % DASHES.length];
      const path = el("polyline", {
        points: pts.map(([d, v]) => `${sx(dayOf(d)).toFixed(1)},${sy(v).toFixed(1)}`).join(" "),
        fill: "none", stroke: color, "stroke-width": 2, class: "series", "data-name": s.name, "data-n": pts.length,
        ...(dash ? { "stroke-dasharray": dash } : {}),
      });
      svg.appendChild(path);
      for (const [d, v, bound] of pts) {
        // A bound is drawn as a bound: a triangle pointing the way the figure may lie
        // (up: more than / at least; down: at most), not as a point.
        const cx = sx(dayOf(d)), cy = sy(v);
        const dot = bound === "low"
          ? el("polygon", { points: `${(cx - 4).toFixed(1)},${(cy + 3).toFixed(1)} ${(cx + 4).toFixed(1)},${(cy + 3).toFixed(1)} ${cx.toFixed(1)},${(cy - 4).toFixed(1)}`, fill: color, class: "point bound-low" })
          : bound === "high"
            ? el("polygon", { points: `${(cx - 4).toFixed(1)},${(cy - 3).toFixed(1)} ${(cx + 4).toFixed(1)},${(cy - 3).toFixed(1)} ${cx.toFixed(1)},${(cy + 4).toFixed(1)}`, fill: color, class: "point bound-high" })
            : bound === "open"
              // Hollow: a figure to read with care (not verified, or carried forward).
              ? el("circle", { cx: cx.toFixed(1), cy: cy.toFixed(1), r: 3.2, fill: "#fff", stroke: color, "stroke-width": 1.6, class: "point open" })
              : el("circle", { cx: cx.toFixed(1), cy: cy.toFixed(1), r: 2.6, fill: color, class: "point" });
        const words = bound === "low" ? "at least / more than " : bound === "high" ? "at most " : bound === "open" ? "(not verified or carried forward) " : "";
        dot.appendChild(el("title", {}, `${s.name}\n${d}: ${words}${fmt(v)}${spec.unit ? " " + spec.unit : ""}`));
        svg.appendChild(dot);
      }
    });

    for (const l of limits) {
      svg.appendChild(el("line", { x1: M.l, x2: W - M.r, y1: sy(l.y), y2: sy(l.y), class: "limit" }));
      // A white halo under the label keeps it legible over the lines it crosses.
      svg.appendChild(el("text", { x: W - M.r - 4, y: sy(l.y) - 5, "text-anchor": "end", class: "limit-label",
        style: "fill:#c62828;stroke:#fff;stroke-width:3px;paint-order:stroke;stroke-linejoin:round" }, l.label));
    }

    // The timeline band: each key day and event of the record as a tick on a strip under
    // the title and a faint line through the plot, named on hover.
    const evs = (spec.events || []).filter((e) => dayOf(e.date) >= x0 && dayOf(e.date) <= x1);
    if (evs.length) {
      svg.appendChild(el("rect", { x: M.l, y: M.t - 12, width: W - M.l - M.r, height: 8, class: "event-band" }));
      for (const e of evs) {
        const x = sx(dayOf(e.date));
        svg.appendChild(el("line", { x1: x, x2: x, y1: M.t - 4, y2: H - M.b, class: "event-line" }));
        const tick = el("rect", { x: x - 1.5, y: M.t - 12, width: 3, height: 8, class: "event" });
        tick.appendChild(el("title", {}, `${e.date}: ${e.label}`));
        svg.appendChild(tick);
      }
      svg.setAttribute("data-events", evs.length);
    }

    // Legend, wrapped onto as many rows as it needs below the chart.
    let lx = M.l, row = 0;
    const legend = [...series.map((s, i) => [s.name, s.color || PALETTE[i % PALETTE.length]]),
      ...bands.map((b, i) => [b.name, b.color || PALETTE[i % PALETTE.length]])];
    for (const [name, color] of legend) {
      const w = 24 + name.length * 6.2;
      if (lx + w > W - M.r && lx > M.l) { lx = M.l; row++; }
      svg.appendChild(el("rect", { x: lx, y: H - 16 + row * 18, width: 10, height: 10, fill: color, class: "legend" }));
      svg.appendChild(el("text", { x: lx + 14, y: H - 7 + row * 18 }, name));
      lx += w;
    }
    let bottom = H + row * 18;
    if (spec.sources) {
      // Sources and units printed on the image itself, so an exported chart carries them.
      const words = `Sources: ${spec.sources}`.split(" ");
      let line = "";
      const lines = [];
      for (const w of words) {
        if ((line + " " + w).length > 150) { lines.push(line); line = w; } else line = line ? line + " " + w : w;
      }
      if (line) lines.push(line);
      for (const l of lines.slice(0, 4)) {
        bottom += 14;
        svg.appendChild(el("text", { x: M.l, y: bottom, class: "sources", style: "font-size:10px;fill:#667085" }, l));
      }
      bottom += 6;
    }
    svg.setAttribute("viewBox", `0 0 ${W} ${bottom}`);
    container.replaceChildren(svg);
    return svg;
  }

  // Download links for a chart: the SVG as drawn, and a PNG rendered from it (2×).
  function exportLinks(svg, name) {
    const text = new XMLSerializer().serializeToString(svg);
    const styled = text.replace("<svg ", `<svg xmlns="${NS}" style="background:#fff;font:11px system-ui,sans-serif" `);
    const href = "data:image/svg+xml;base64," + btoa(unescape(encodeURIComponent(styled)));
    const svgLink = document.createElement("a");
    svgLink.href = href; svgLink.download = `${name}.svg`; svgLink.textContent = "SVG"; svgLink.className = "export-svg";
    const pngLink = document.createElement("a");
    pngLink.href = "#"; pngLink.download = `${name}.png`; pngLink.textContent = "PNG"; pngLink.className = "export-png";
    const render = () => new Promise((resolve) => {
      const vb = svg.viewBox.baseVal;
      const img = new Image();
      img.onload = () => {
        const c = document.createElement("canvas");
        c.width = vb.width * 2; c.height = vb.height * 2;
        const g = c.getContext("2d");
        g.fillStyle = "#fff"; g.fillRect(0, 0, c.width, c.height);
        g.drawImage(img, 0, 0, c.width, c.height);
        pngLink.href = c.toDataURL("image/png");
        pngLink.dataset.ready = "true";
        resolve();
      };
      img.src = href;
    });
    pngLink.addEventListener("click", (e) => {
      if (pngLink.dataset.ready) return;
      e.preventDefault();
      render().then(() => pngLink.click());
    });
    const p = document.createElement("p");
    p.className = "export";
    p.append("Download this chart: ", svgLink, " · ", pngLink);
    return p;
  }

  // A download link for a table as CSV (RFC 4180 quoting), from its text as shown.
  function csvLink(table, name) {
    const q = (s) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
    const rows = [...table.querySelectorAll("tr")].map((tr) => [...tr.children].map((c) => q(c.textContent.trim())).join(","));
    const a = document.createElement("a");
    a.href = "data:text/csv;charset=utf-8," + encodeURIComponent(rows.join("\r\n") + "\r\n");
    a.download = `${name}.csv`; a.textContent = `${name}.csv`; a.className = "export-csv";
    return a;
  }

  return { timeSeries, exportLinks, csvLink, PALETTE };
})();
