// Draw the Metrics page's charts from the JSON data block the server rendered (no inline script).
"use strict";

(function () {
  const block = document.getElementById("metrics-data");
  if (!block || typeof Chart === "undefined") return;
  const data = JSON.parse(block.textContent);
  const blue = "#1f5fbf", orange = "#c2620a", green = "#1a7f37", grey = "#8a94a6", red = "#b42318";
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.animation = false;

  function draw(id, config) {
    const canvas = document.getElementById(id);
    if (canvas) new Chart(canvas, config);
  }

  draw("chart-waits", {
    type: "line",
    data: {
      labels: data.waits.map((day) => day.day),
      datasets: [
        { label: "Median (min)", data: data.waits.map((day) => day.median_minutes), borderColor: blue, backgroundColor: blue, spanGaps: false },
        { label: "90th percentile (min)", data: data.waits.map((day) => day.p90_minutes), borderColor: orange, backgroundColor: orange, spanGaps: false },
      ],
    },
    options: { scales: { y: { beginAtZero: true, title: { display: true, text: "minutes" } } } },
  });

  const outcomes = Object.keys(data.outcomes);
  draw("chart-outcomes", {
    type: "bar",
    data: { labels: data.outcome_labels, datasets: [{ label: "Waits", data: outcomes.map((key) => data.outcomes[key]), backgroundColor: blue }] },
    options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
  });

  draw("chart-mood", {
    type: "bar",
    data: {
      labels: ["Better", "The same", "Worse"],
      datasets: [{ label: "Conversations", data: [data.mood_better, data.mood_same, data.mood_worse], backgroundColor: [green, grey, red] }],
    },
    options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
  });

  const ratings = Object.keys(data.relevance);
  draw("chart-relevance", {
    type: "bar",
    data: { labels: data.relevance_labels, datasets: [{ label: "Ratings", data: ratings.map((key) => data.relevance[key]), backgroundColor: blue }] },
    options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
  });

  draw("chart-staffing", {
    data: {
      labels: data.hour_labels,
      datasets: [
        { type: "bar", label: "Seekers asking for a peer (per week)", data: data.requests_by_hour, backgroundColor: blue, yAxisID: "y" },
        { type: "line", label: "Peers on shift", data: data.peers_on_shift_by_hour, borderColor: orange, backgroundColor: orange, pointRadius: 0, stepped: true, yAxisID: "y" },
      ],
    },
    options: { scales: { x: { ticks: { autoSkip: true, maxTicksLimit: 14 } }, y: { beginAtZero: true } } },
  });
})();
