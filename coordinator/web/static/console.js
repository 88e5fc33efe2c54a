// The runs page's live view: while a run is queued or running, fetch its progress every two
// seconds and update its row; reload once every run has finished, to show the results.
(function () {
  "use strict";
  var table = document.getElementById("runs");
  if (!table) { return; }
  var active = table.querySelectorAll("tr[data-run] progress").length;
  if (!active) { return; }
  function number(value) { return Number(value || 0).toLocaleString("en-US"); }
  function poll() {
    fetch(table.dataset.progressUrl, {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
      .then(function (runs) {
        var live = {};
        runs.forEach(function (run) {
          live[run.id] = true;
          var row = table.querySelector('tr[data-run="' + run.id + '"]');
          if (!row) { return; }
          row.querySelector(".run-status .badge").textContent = run.status;
          row.querySelector(".stage").textContent = run.stage || "waiting for a worker";
          var progress = row.querySelector("progress");
          progress.max = run.comparisons_total || 1;
          progress.value = run.comparisons_done || 0;
          row.querySelector(".comparisons").textContent = number(run.comparisons_done) +
            (run.comparisons_total ? " of " + number(run.comparisons_total) : "") + " comparisons";
        });
        var finished = Array.prototype.some.call(table.querySelectorAll("tr[data-run]"), function (row) {
          return row.querySelector("progress") && !live[row.dataset.run];
        });
        if (finished) { window.location.reload(); } else { window.setTimeout(poll, 2000); }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 2000);
}());
