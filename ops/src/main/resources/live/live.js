// The live page: polls /series once a second and draws each panel with uPlot. Each panel's element carries
// data-points (points drawn so far), which the headless-Chromium test reads.
"use strict";

const PANELS = [
  { id: "auc", title: "Online AUC and gAUC", note: "prequential: each sample scored before it is trained on (metrics topic); the synthetic stream also shows its ceiling",
    series: [["auc", "AUC"], ["gauc", "gAUC"], ["ceilingAuc", "ceiling (synthetic)"]] },
  { id: "logloss", title: "Online logloss", note: "metrics topic", series: [["logloss", "logloss"]] },
  { id: "throughput", title: "Samples trained/s and events ingested/s", note: "trainer windows (metrics topic); ingestion from Flink metrics",
    series: [["samplesPerSecond", "samples trained/s"], ["eventsPerSecond", "events ingested/s"]] },
  { id: "calibration", title: "CTR and mean pCTR", note: "calibration = mean pCTR / CTR (metrics topic)",
    series: [["ctr", "CTR"], ["meanPctr", "mean pCTR"]] },
  { id: "version", title: "Model version", note: "trainer (metrics topic) and what the scorer serves",
    series: [["modelVersion", "trained"], ["servedVersion", "served"]] },
  { id: "freshness", title: "Model freshness (s)", note: "age of the model the scorer serves",
    series: [["freshnessSeconds", "freshness s"]] },
  { id: "latency", title: "Scoring latency (ms)", note: "scorer, per request",
    series: [["latencyP50Ms", "p50"], ["latencyP99Ms", "p99"]] },
  { id: "deadletters", title: "Dead letters (total)", note: "records that could not be used, by the data plane",
    series: [["deadLetters", "dead letters"]] },
  { id: "checkpoint", title: "Checkpoint duration (ms)", note: "learning job's last completed checkpoint",
    series: [["checkpointMs", "last checkpoint ms"]] },
];
const COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"];
const plots = {};

function panel(p) {
  const div = document.createElement("div");
  div.className = "panel";
  div.id = "panel-" + p.id;
  div.dataset.points = "0";
  div.innerHTML = "<h2></h2><div class='note'></div><div class='plot'><span class='empty'>no data yet</span></div>";
  div.querySelector("h2").textContent = p.title;
  div.querySelector(".note").textContent = p.note;
  document.getElementById("charts").appendChild(div);
  return div;
}

function draw(p, div, series) {
  const tables = p.series.map(([name]) => {
    const points = series[name] || [];
    return [points.map(pt => pt[0]), points.map(pt => pt[1])];
  });
  const count = tables.reduce((n, t) => n + t[0].length, 0);
  div.dataset.points = String(count);
  if (count === 0) {
    return;
  }
  const data = uPlot.join(tables);
  if (!plots[p.id]) {
    const box = div.querySelector(".plot");
    box.innerHTML = "";
    plots[p.id] = new uPlot({
      width: Math.max(360, box.clientWidth || 580), height: 220,
      series: [{}].concat(p.series.map(([, label], i) => ({ label, stroke: COLOURS[i], width: 2, spanGaps: true }))),
      axes: [{}, { size: 60 }],
    }, data, box);
  } else {
    plots[p.id].setData(data);
  }
}

async function refresh() {
  try {
    const response = await fetch("series", { cache: "no-store" });
    const body = await response.json();
    const info = Object.entries(body.info || {}).map(([k, v]) => k + ": " + v).join(" · ");
    document.getElementById("info").textContent = info || "running";
    PANELS.forEach(p => draw(p, document.getElementById("panel-" + p.id), body.series || {}));
    document.body.dataset.refreshed = String(Date.now());
  } catch (e) {
    document.getElementById("info").textContent = "cannot reach the demo (" + e + "); is it still running?";
  }
}

PANELS.forEach(panel);
refresh();
setInterval(refresh, 1000);
