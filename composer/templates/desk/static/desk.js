// Die Redaktion: the only script. Every page works without it; it adds live send progress (server-sent
// events), a preview switch that keeps unsaved edits, and a question before leaving a form with unsaved edits.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("issue-form");
  if (form) {
    var dirty = false;
    form.addEventListener("input", function () { dirty = true; });
    form.addEventListener("submit", function () { dirty = false; });
    window.addEventListener("beforeunload", function (event) {
      if (dirty) { event.preventDefault(); event.returnValue = ""; }
    });
  }
  var frame = document.querySelector(".preview iframe");
  document.querySelectorAll(".views a").forEach(function (link) {
    link.addEventListener("click", function (event) {
      if (!frame) { return; }
      event.preventDefault();
      var view = new URL(link.href).searchParams.get("view");
      var src = frame.getAttribute("src").replace(/&dark=1$/, "");
      frame.className = "view-" + view;
      frame.setAttribute("src", view === "dark" ? src + "&dark=1" : src);
      document.querySelectorAll(".views a").forEach(function (other) { other.removeAttribute("aria-current"); });
      link.setAttribute("aria-current", "true");
    });
  });

  var box = document.getElementById("progress");
  if (!box || !box.getAttribute("data-events") || !window.EventSource) { return; }
  var source = new EventSource(box.getAttribute("data-events"));
  var set = function (id, text) { var el = document.getElementById(id); if (el) { el.textContent = text; } };
  source.onmessage = function (event) {
    var run = JSON.parse(event.data);
    document.getElementById("run-bar").value = run.percent;
    set("run-line", run.line); set("run-pace", run.pace + (run.rest ? " · " + run.rest : ""));
    // the page words each state and wait with its own buttons: a new one reloads it
    if (run.held !== box.getAttribute("data-held") || run.state !== box.getAttribute("data-state")) {
      source.close(); window.location.reload();
    }
  };
  source.onerror = function () { source.close(); };
});
