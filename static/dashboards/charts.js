/*
 * Draws every <canvas data-chart="line|bar" data-source="ID"> with Chart.js (global Chart,
 * static/vendor/chart-4.6.1.umd.min.js must be loaded first).
 *
 * ID names a {{ value|json_script:"ID" }} element holding
 *   {"labels": ["2026-11-01", ...],
 *    "datasets": [{"label": "Impressions", "data": [1, 2, ...], "axis": "y"},
 *                 {"label": "Spend (USD)", "data": ["1.50", ...], "axis": "y1"}]}
 * "axis" is optional: "y1" puts a dataset on a second scale on the right (money next to
 * counts). Charts inside content swapped in by htmx are drawn too.
 */
(function () {
  "use strict";
  var COLORS = ["#0a58ca", "#d63384", "#146c2e", "#b35900", "#6f42c1", "#0b7285"];

  function draw(canvas) {
    if (canvas.dataset.chartReady || typeof Chart === "undefined") return;
    var source = document.getElementById(canvas.dataset.source);
    if (!source) return;
    var spec = JSON.parse(source.textContent);
    var type = canvas.dataset.chart === "bar" ? "bar" : "line";
    var usesRightAxis = false;
    var datasets = (spec.datasets || []).map(function (set, index) {
      var color = set.color || COLORS[index % COLORS.length];
      if (set.axis === "y1") usesRightAxis = true;
      return {
        label: set.label,
        data: set.data.map(Number),
        yAxisID: set.axis === "y1" ? "y1" : "y",
        borderColor: color,
        backgroundColor: type === "bar" ? color : color + "22",
        borderWidth: 2,
        pointRadius: spec.labels.length > 40 ? 0 : 2,
        tension: 0.25,
        fill: false
      };
    });
    var scales = {
      x: { ticks: { autoSkip: true, maxRotation: 0 } },
      y: { beginAtZero: true, position: "left" }
    };
    if (usesRightAxis) {
      scales.y1 = { beginAtZero: true, position: "right", grid: { drawOnChartArea: false } };
    }
    canvas.dataset.chartReady = "1";
    new Chart(canvas, {
      type: type,
      data: { labels: spec.labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        plugins: { legend: { position: "bottom" } },
        scales: scales
      }
    });
  }

  function drawAll(root) {
    (root || document).querySelectorAll("canvas[data-chart]").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { drawAll(); });
  } else {
    drawAll();
  }
  document.addEventListener("htmx:afterSettle", function (event) { drawAll(event.target); });
})();
