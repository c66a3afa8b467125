// A background run's progress: ask the server every few seconds and reload the page once the run has ended,
// so the proposal appears without the coordinator having to reload. Without this script the page says to reload.
(function () {
  "use strict";
  var status = document.getElementById("job-status");
  if (!status || !status.dataset.job) { return; }
  function check() {
    fetch(status.dataset.job, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (answer) { return answer.ok ? answer.json() : null; })
      .then(function (job) {
        if (!job) { return; }
        if (job.state !== "running") { window.location.reload(); return; }
        window.setTimeout(check, 4000);
      })
      .catch(function () { window.setTimeout(check, 8000); });
  }
  window.setTimeout(check, 4000);
})();
