/* A long job's page: poll its small JSON status and update the bar, the count, the time left, then
   show the result link or the error. Backs off while offline; stops when the job has ended. */
(function () {
  "use strict";
  var card = document.querySelector("[data-testid=job]");
  if (!card) return;
  var url = card.dataset.statusUrl;
  var states = JSON.parse(card.dataset.states || "{}");
  var steps = JSON.parse(card.dataset.steps || "{}");
  var $ = function (id) { return card.querySelector("[data-testid=" + id + "]"); };
  var delay = 1000;
  // The first width comes from the page (no inline style: the CSP forbids it), then from each poll.
  var fill = card.querySelector(".progress-fill");
  if (fill) fill.style.width = (fill.dataset.percent || 0) + "%";

  function duration(seconds) {
    var m = Math.floor(seconds / 60), s = seconds % 60;
    return m > 0 ? card.dataset.msgMin.replace("{m}", m).replace("{s}", s) : card.dataset.msgSec.replace("{s}", s);
  }

  function render(st) {
    card.dataset.state = st.state;
    $("job-state").querySelector("strong").textContent = states[st.state] || st.state;
    $("job-step").textContent = st.step ? "· " + (steps[st.step] || st.step) : "";
    var bar = $("job-bar");
    bar.setAttribute("aria-valuenow", st.done);
    bar.setAttribute("aria-valuemax", st.total || 100);
    bar.querySelector(".progress-fill").style.width = st.percent + "%";
    $("job-count").textContent = st.done + " / " + st.total;
    $("job-percent").textContent = st.percent + "%";
    var eta = $("job-eta");
    if (st.state === "running" && st.eta_seconds !== null && st.eta_seconds !== undefined) {
      eta.textContent = card.dataset.msgEta.replace("{t}", duration(st.eta_seconds));
    } else if (st.state === "done" && st.elapsed_seconds !== null && st.elapsed_seconds !== undefined) {
      eta.textContent = card.dataset.msgElapsed.replace("{t}", duration(st.elapsed_seconds));
    } else {
      eta.textContent = "";
    }
    if (st.error) { $("job-error").textContent = st.error; $("job-error").hidden = false; }
    if (st.result_link) { $("job-result").querySelector("a").href = st.result_link; $("job-result").hidden = false; }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (st) {
        $("job-offline").hidden = true;
        delay = 1000;
        render(st);
        if (st.state === "queued" || st.state === "running") setTimeout(poll, delay);
      })
      .catch(function () {
        $("job-offline").textContent = card.dataset.msgOffline;
        $("job-offline").hidden = false;
        delay = Math.min(delay * 2, 30000);
        setTimeout(poll, delay);
      });
  }

  poll();
})();
