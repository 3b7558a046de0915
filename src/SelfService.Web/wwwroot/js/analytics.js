// Draws the analytics charts from the JSON the page carries (#analytics-data); no inline script, so the strict CSP holds.
(function () {
    "use strict";
    var source = document.getElementById("analytics-data");
    if (!source || typeof Chart === "undefined") return;
    var data = JSON.parse(source.textContent);
    var reduced = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    Chart.defaults.color = "#3d4653";
    Chart.defaults.animation = reduced ? false : Chart.defaults.animation;
    Chart.defaults.maintainAspectRatio = false;
    var blue = "#2f5bd3", purple = "#7a4fc4", grey = "#a9b3c1";
    var number = new Intl.NumberFormat("en-US", { maximumFractionDigits: 1 });
    function ticks() { return { callback: function (v) { return number.format(v); } }; }

    function draw(id, config) {
        var canvas = document.getElementById(id);
        if (canvas) new Chart(canvas, config);
    }

    draw("chart-trend", {
        type: "line",
        data: {
            labels: data.trend.labels,
            datasets: [
                { label: data.valueLabel, data: data.trend.values, borderColor: blue, backgroundColor: "rgba(47,91,211,.12)", fill: true, tension: .25, pointRadius: 0, yAxisID: "y" },
                { label: "Customers reporting", data: data.trend.customers, borderColor: purple, borderDash: [4, 4], pointRadius: 0, stepped: true, yAxisID: "customers" }
            ]
        },
        options: {
            interaction: { mode: "index", intersect: false },
            scales: {
                y: { beginAtZero: true, ticks: ticks() },
                customers: { position: "right", beginAtZero: true, grid: { drawOnChartArea: false }, ticks: { precision: 0 } },
                x: { ticks: { maxTicksLimit: Math.max(3, Math.min(8, Math.floor(document.getElementById("chart-trend").parentElement.clientWidth / 90))), autoSkipPadding: 12, maxRotation: 0 } }
            }
        }
    });

    var planSets = [
        { label: "Subscriptions", data: data.byPlan.subscribers, backgroundColor: grey },
        { label: "Have it", data: data.byPlan.have, backgroundColor: blue }
    ];
    if (data.byPlan.measured) planSets.push({ label: "Use it", data: data.byPlan.use, backgroundColor: purple });
    draw("chart-plans", {
        type: "bar",
        data: { labels: data.byPlan.labels, datasets: planSets },
        options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
    });

    draw("chart-top", {
        type: "bar",
        data: { labels: data.top.labels, datasets: [{ label: data.unit || "usage", data: data.top.values, backgroundColor: blue }] },
        options: { indexAxis: "y", plugins: { legend: { display: false } }, scales: { x: { beginAtZero: true, ticks: Object.assign(ticks(), { maxTicksLimit: 5, maxRotation: 0 }) } } }
    });
})();
