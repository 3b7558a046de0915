// Draws every usage chart on the page from the JSON the page carries beside it: usage as a line (the running
// total within each period for summed features) and the cap as a dashed line. No inline script: the strict
// Content-Security-Policy holds.
(function () {
    "use strict";
    if (typeof Chart === "undefined") return;
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
        var source = document.getElementById(canvas.getAttribute("data-chart"));
        if (!source) return;
        var data = JSON.parse(source.textContent);
        var datasets = [{
            label: data.label,
            data: data.values,
            borderColor: "#2f5bd3",
            backgroundColor: "rgba(47, 91, 211, 0.12)",
            fill: true,
            pointRadius: 0,
            borderWidth: 2,
            tension: 0.15
        }];
        if (data.cap !== null && data.cap !== undefined) {
            datasets.push({
                label: "Cap",
                data: data.values.map(function () { return data.cap; }),
                borderColor: "#b42318",
                borderDash: [6, 4],
                borderWidth: 2,
                pointRadius: 0,
                fill: false
            });
        }
        new Chart(canvas, {
            type: "line",
            data: { labels: data.labels, datasets: datasets },
            options: {
                animation: false,
                responsive: true,
                maintainAspectRatio: false,
                interaction: { mode: "index", intersect: false },
                scales: {
                    // One date label per 90 px at most, never rotated: on a phone eight labels overlapped.
                    x: { ticks: { maxTicksLimit: Math.max(3, Math.min(8, Math.floor(canvas.parentElement.clientWidth / 90))), autoSkip: true, autoSkipPadding: 12, maxRotation: 0 } },
                    y: { beginAtZero: true }
                },
                plugins: { legend: { position: "bottom" } }
            }
        });
        canvas.setAttribute("data-drawn", "true");
    });
})();
