// Die Redaktion: the only script. Live send progress over server-sent events; every page works without it.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var box = document.getElementById("progress");
  if (!box || !box.getAttribute("data-events") || !window.EventSource) { return; }
  var source = new EventSource(box.getAttribute("data-events"));
  var set = function (id, text) { var el = document.getElementById(id); if (el) { el.textContent = text; } };
  source.onmessage = function (event) {
    var run = JSON.parse(event.data);
    document.getElementById("run-bar").value = run.percent;
    set("run-done", run.done); set("run-total", run.total); set("run-rate", run.rate); set("run-left", run.left);
    set("run-counts", run.sent + " / " + run.failed + " / " + run.deferred);
    if (run.state !== "running" && run.state !== "stopping") { source.close(); window.location.reload(); }
  };
  source.onerror = function () { source.close(); };
});
