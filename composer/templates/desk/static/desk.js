// Die Redaktion: the only script. Every page works without it (the editor's buttons are plain form buttons the
// server answers); with it, nothing typed is lost: articles and contacts are added, moved and removed in the page
// (removing can be undone), the typed form is autosaved as a draft every few seconds, the page asks before leaving
// unsaved work, and the preview follows the typing. It also shows a send's progress live and opens the field a
// link points at.
"use strict";
(function () {
  document.documentElement.classList.add("js");  // the phone's menu folds only where a script can open it
  var AUTOSAVE_MS = 3000, PREVIEW_MS = 400;

  function each(root, selector, fn) { Array.prototype.forEach.call(root.querySelectorAll(selector), fn); }

  // A link to a field (from Prüfen or the error summary) lands on it with its label in view, inside a closed box too.
  function reveal() {
    var id = decodeURIComponent(window.location.hash.slice(1));
    var target = id && document.getElementById(id);
    if (!target) { return; }
    for (var node = target.parentElement; node; node = node.parentElement) {
      if (node.tagName === "DETAILS") { node.open = true; }
    }
    target.scrollIntoView({block: "start"});
    if (target.matches("input, textarea, select")) { target.focus({preventScroll: true}); }
  }

  // The page's menu on a phone: a button opens and closes the navigation (folded by the style sheet).
  function menu() {
    var button = document.getElementById("menu-button"), nav = document.getElementById("site-nav");
    if (!button || !nav) { return; }
    button.addEventListener("click", function () {
      var open = button.getAttribute("aria-expanded") !== "true";
      button.setAttribute("aria-expanded", open ? "true" : "false");
      nav.classList.toggle("open", open);
    });
  }

  // A table wider than a phone scrolls in its own box; the box takes the keyboard's focus so it can be scrolled.
  function scrollingTables() {
    each(document, "table.list", function (table) {
      if (table.scrollWidth > table.clientWidth) { table.setAttribute("tabindex", "0"); } else { table.removeAttribute("tabindex"); }
    });
  }

  function editor(form) {
    var list = document.getElementById("articles");
    var frame = document.querySelector(".preview iframe");
    var said = document.getElementById("autosaved");
    var dirty = form.getAttribute("data-unsaved") === "yes";
    var draftTimer = null, previewTimer = null;
    var at = null;  // the article she types in: the preview shows it

    function articleOf(node) {
      var found = node && node.name && /^articles\[(\d+)\]/.exec(node.name);
      return found ? found[1] : null;
    }

    function typed() {  // the form's typed fields, without photo files: what a draft and the preview get
      var out = new FormData();
      new FormData(form).forEach(function (value, name) { if (typeof value === "string") { out.append(name, value); } });
      return out;
    }

    function keepDraft(leaving) {
      window.clearTimeout(draftTimer);
      draftTimer = null;
      if (!dirty) { return; }
      window.fetch(form.getAttribute("data-draft"), {method: "POST", body: typed(), credentials: "same-origin",
                                                      keepalive: leaving === true})
        .then(function (answer) { return answer.ok ? answer.json() : null; })
        .then(function (answer) {
          if (answer && answer.kept && said) { said.textContent = form.getAttribute("data-kept").replace("{time}", answer.at); }
        })
        .catch(function () { /* the next change tries again */ });
    }

    function showPreview() {  // the unsaved form, posted into the preview's frame: built as `newsletter build` builds
      if (!frame) { return; }
      var post = document.createElement("form");
      post.method = "post";
      post.target = frame.name;
      post.hidden = true;
      var query = [];
      if (frame.classList.contains("view-dark")) { query.push("dark=1"); }
      if (at !== null) { query.push("at=" + at); }
      var als = document.getElementById("als-form");  // the preview "als" the member chosen beside it
      if (als) { ["list", "als"].forEach(function (n) { query.push(n + "=" + encodeURIComponent(als.elements[n].value)); }); }
      post.action = form.getAttribute("data-preview") + (query.length ? "?" + query.join("&") : "");
      typed().forEach(function (value, name) {
        var input = document.createElement("input");
        input.type = "hidden";
        input.name = name;
        input.value = value;
        post.appendChild(input);
      });
      document.body.appendChild(post);
      post.submit();
      post.remove();
    }

    function changed() {
      dirty = true;
      if (!draftTimer) { draftTimer = window.setTimeout(keepDraft, AUTOSAVE_MS); }
      window.clearTimeout(previewTimer);
      previewTimer = window.setTimeout(showPreview, PREVIEW_MS);
    }

    function setIndex(root, name, id, value) {  // [pattern, replacement] pairs for names, ids and button values
      var nodes = [root].concat(Array.prototype.slice.call(root.querySelectorAll("*")));
      nodes.forEach(function (node) {
        ["name", "for", "aria-describedby"].forEach(function (attr) {
          if (node.hasAttribute(attr)) { node.setAttribute(attr, node.getAttribute(attr).replace(name[0], name[1]).replace(id[0], id[1])); }
        });
        if (node.id) { node.id = node.id.replace(id[0], id[1]); }
        if (node.hasAttribute("formaction")) { node.setAttribute("formaction", node.getAttribute("formaction").replace(id[0], id[1])); }
        if (node.tagName === "BUTTON" && node.value) { node.value = node.value.replace(value[0], value[1]); }
      });
    }

    // Names follow the schema's paths (articles[2].contacts[0].email): after every change in the page the
    // articles and contacts shown are numbered again from 0; removed ones (kept for "Rückgängig") get numbers
    // from 1000 on, so no id is used twice, and their fields are disabled, so they are neither saved nor autosaved.
    function renumber() {
      var live = 0, gone = 1000;
      var shown = [];
      each(list, ":scope > .article", function (article) {
        var removed = article.classList.contains("removed");
        var i = removed ? gone++ : live++;
        setIndex(article, [/articles\[\d+\]/g, "articles[" + i + "]"], [/f-articles-\d+/g, "f-articles-" + i],
                 [/^(up|down|remove-article|add-contact|remove-contact)-\d+/, "$1-" + i]);
        var c = 0, cgone = 1000;
        each(article, ".contact", function (contact) {
          var j = contact.classList.contains("removed") ? cgone++ : c++;
          setIndex(contact, [/contacts\[\d+\]/g, "contacts[" + j + "]"], [/-contacts-\d+/g, "-contacts-" + j],
                   [/^(remove-contact-\d+)-\d+/, "$1-" + j]);
        });
        if (!removed) {
          article.querySelector(".article-n").textContent = form.getAttribute("data-article").replace("{n}", i + 1);
          shown.push(article);
        }
      });
      shown.forEach(function (article, k) {
        article.querySelector("[data-do=up]").hidden = k === 0;
        article.querySelector("[data-do=down]").hidden = k === shown.length - 1;
      });
    }

    function setEnabled(node, enabled) {
      each(node, "input, textarea, select, button", function (control) {
        if (!enabled && !control.disabled) { control.disabled = true; control.setAttribute("data-disabled-here", ""); }
        if (enabled && control.hasAttribute("data-disabled-here")) { control.disabled = false; control.removeAttribute("data-disabled-here"); }
      });
    }

    function remove(node, what) {
      node.hidden = true;
      node.classList.add("removed");
      setEnabled(node, false);
      var bar = document.createElement("p");
      bar.className = "undo";
      bar.setAttribute("role", "status");
      bar.appendChild(document.createTextNode(form.getAttribute("data-removed").replace("{what}", what) + " "));
      var undo = document.createElement("button");
      undo.type = "button";
      undo.className = "secondary";
      undo.textContent = form.getAttribute("data-undo");
      undo.addEventListener("click", function () {
        node.hidden = false;
        node.classList.remove("removed");
        setEnabled(node, true);
        bar.remove();
        renumber();
        changed();
        var first = node.querySelector("input, textarea");
        if (first) { first.focus(); }
      });
      bar.appendChild(undo);
      node.parentNode.insertBefore(bar, node.nextSibling);
      renumber();
      undo.focus();
    }

    function move(article, up) {
      var shown = Array.prototype.filter.call(list.querySelectorAll(":scope > .article"),
                                              function (a) { return !a.classList.contains("removed"); });
      var k = shown.indexOf(article), other = shown[up ? k - 1 : k + 1];
      if (!other) { return; }
      var before = article.getBoundingClientRect().top;
      list.insertBefore(article, up ? other : other.nextSibling);
      renumber();
      window.scrollBy(0, article.getBoundingClientRect().top - before);  // the article stays where her eyes are
      var again = article.querySelector(up ? "[data-do=up]" : "[data-do=down]");
      (again.hidden ? article.querySelector(up ? "[data-do=down]" : "[data-do=up]") : again).focus({preventScroll: true});
    }

    function fromTemplate(id) {
      return document.getElementById(id).content.firstElementChild.cloneNode(true);
    }

    function act(button) {
      var verb = button.getAttribute("data-do"), article = button.closest(".article");
      if (verb === "add-article") {
        var added = fromTemplate("article-template");
        list.appendChild(added);
        renumber();
        added.querySelector("input").focus();
      } else if (verb === "remove-article") {
        remove(article, article.querySelector("legend").textContent.trim());
      } else if (verb === "up" || verb === "down") {
        move(article, verb === "up");
      } else if (verb === "add-contact") {
        var contact = fromTemplate("contact-template");
        button.parentNode.insertBefore(contact, button);
        renumber();
        contact.querySelector("input").focus();
      } else if (verb === "remove-contact") {
        var person = button.closest(".contact");
        var name = person.querySelector("input").value.trim();
        remove(person, name || form.getAttribute("data-contact"));
      }
      changed();
    }

    form.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-do]");
      if (!button || !form.contains(button)) { return; }
      event.preventDefault();
      act(button);
    });
    form.addEventListener("focusin", function (event) {
      if (event.target.matches("input, textarea, select")) { at = articleOf(event.target); }
    });
    form.addEventListener("input", function (event) {
      var field = event.target;
      at = articleOf(field);
      if (field.name && /^articles\[\d+\]\.title$/.test(field.name)) {
        field.closest(".article").querySelector(".article-title").textContent = field.value;
      }
      changed();
    });
    form.addEventListener("change", changed);
    form.addEventListener("submit", function () {
      dirty = false;
      window.clearTimeout(draftTimer);
      window.sessionStorage.setItem("desk-scroll", window.location.pathname + " " + window.scrollY);
    });
    var back = (window.sessionStorage.getItem("desk-scroll") || "").split(" ");
    window.sessionStorage.removeItem("desk-scroll");
    var note = document.getElementById("note");
    if (back[0] === window.location.pathname && !window.location.hash && !document.getElementById("error-summary")) {
      window.scrollTo(0, Number(back[1]) || 0);  // after "Speichern" the page is where she was; the savebar says "Gespeichert."
      if (note && said) { said.textContent = note.textContent; }
    }
    window.addEventListener("beforeunload", function (event) {
      if (!dirty) { return; }
      keepDraft(true);
      event.preventDefault();
      event.returnValue = "";
    });

    each(document, ".views a", function (link) {  // 600 px, 375 px, dark: the form as typed, not the saved file
      link.addEventListener("click", function (event) {
        if (!frame) { return; }
        event.preventDefault();
        frame.className = "view-" + new URL(link.href).searchParams.get("view");
        each(document, ".views a", function (other) { other.removeAttribute("aria-current"); });
        link.setAttribute("aria-current", "true");
        showPreview();
      });
    });
    if (dirty) { showPreview(); }  // a refused save or a restored draft: the preview shows what is on the page
  }

  function progress(box) {
    if (!box.getAttribute("data-events") || !window.EventSource) { return; }
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
  }

  document.addEventListener("DOMContentLoaded", function () {
    menu();
    scrollingTables();
    window.addEventListener("resize", scrollingTables);
    var form = document.getElementById("issue-form");
    if (form) { editor(form); }
    var box = document.getElementById("progress");
    if (box) { progress(box); }
    reveal();
    window.addEventListener("hashchange", reveal);
  });
}());
