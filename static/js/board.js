// The Board (templates/pipeline/board.html). A card dragged to another column
// (SortableJS) or sent with its "move to" menu posts the move with the card's
// version and asks for JSON. Moving into a lost column first asks the reason;
// exit-check warnings are confirmed before the move; a refused move puts the
// card back and says why. After a move, or when someone else changed the
// project, the columns are fetched again, so figures and versions are the
// stored ones. The menu's form is one shared <template id="move-to-form">, copied
// into a card when its menu is first opened (a board of a thousand cards would
// otherwise carry a thousand forms). Without JavaScript the menu links to the
// move page (pipeline.views.board).
(function () {
  "use strict";

  function statusBox() { return document.getElementById("board-status"); }

  function say(text, kind) {
    var box = statusBox();
    if (!box || !text) { return; }
    box.textContent = "";
    var line = document.createElement("p");
    line.className = "message" + (kind ? " " + kind : "");
    line.textContent = text;
    box.appendChild(line);
  }

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function columnFor(stage) {
    return document.querySelector('.board-column[data-stage="' + CSS.escape(stage) + '"]');
  }

  function putBack(card, origin) {
    if (!origin) { return; }
    origin.list.insertBefore(card, origin.list.children[origin.index] || null);
  }

  function setCollapsed(column, collapsed) {
    column.classList.toggle("collapsed", collapsed);
    var button = column.querySelector(".column-toggle");
    if (button) {
      button.setAttribute("aria-expanded", String(!collapsed));
      button.textContent = collapsed ? button.dataset.show : button.dataset.hide;
    }
  }

  // Fetch the columns again, keeping what the user unfolded and where the strip was scrolled.
  function refresh(focusProject) {
    var columns = document.getElementById("board-columns");
    if (!columns) { window.location.reload(); return Promise.resolve(); }
    var strip = columns.querySelector(".board-scroll");
    var left = strip ? strip.scrollLeft : 0;
    var unfolded = Array.prototype.map.call(
      columns.querySelectorAll(".board-column.closed:not(.collapsed)"),
      function (column) { return column.dataset.stage; }
    );
    return fetch(window.location.pathname + window.location.search, {
      credentials: "same-origin",
      headers: { "HX-Request": "true", "HX-Target": "board-columns" }
    }).then(function (response) {
      return response.ok ? response.text() : Promise.reject(response.status);
    }).then(function (html) {
      var holder = document.createElement("div");
      holder.innerHTML = html;
      var fresh = holder.querySelector("#board-columns");
      document.getElementById("board-columns").replaceWith(fresh);
      if (window.htmx) { window.htmx.process(fresh); }
      setup(fresh);
      unfolded.forEach(function (stage) {
        var column = columnFor(stage);
        if (column) { setCollapsed(column, false); }
      });
      var freshStrip = fresh.querySelector(".board-scroll");
      if (freshStrip) { freshStrip.scrollLeft = left; }
      var card = focusProject && document.getElementById("card-" + focusProject);
      if (card) {
        card.scrollIntoView({ block: "nearest", inline: "nearest" });
        card.querySelector(".card-title").focus();
      }
    }).catch(function () { window.location.reload(); });
  }

  function post(card, stage, extra) {
    var body = new FormData();
    body.append("stage", stage);
    body.append("version", card.dataset.version);
    Object.keys(extra).forEach(function (name) { body.append(name, extra[name]); });
    return fetch(card.dataset.moveUrl, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": csrfToken() }
    }).then(function (response) {
      var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
      return (json ? response.json() : Promise.resolve({})).then(function (data) {
        return { status: response.status, data: data };
      });
    });
  }

  // Show a <dialog> and resolve with its form when the user chose "move", else null.
  function ask(dialog) {
    return new Promise(function (resolve) {
      dialog.returnValue = "";
      dialog.addEventListener("close", function closed() {
        dialog.removeEventListener("close", closed);
        resolve(dialog.returnValue === "move" ? dialog.querySelector("form") : null);
      });
      dialog.showModal();
    });
  }

  function askReason(card) {
    var dialog = document.getElementById("lost-dialog");
    dialog.querySelector("form").reset();
    dialog.querySelector(".dialog-project").textContent = card.querySelector(".card-title").textContent;
    return ask(dialog).then(function (form) {
      return form && { lost_reason: form.elements.lost_reason.value, lost_note: form.elements.lost_note.value };
    });
  }

  function confirmWarnings(detail, warnings) {
    var dialog = document.getElementById("confirm-dialog");
    dialog.querySelector(".dialog-message").textContent = detail;
    var list = dialog.querySelector(".dialog-warnings");
    list.textContent = "";
    (warnings || []).forEach(function (warning) {
      var item = document.createElement("li");
      item.textContent = warning;
      list.appendChild(item);
    });
    return ask(dialog).then(Boolean);
  }

  // origin: where a dragged card came from ({list, index}); null for the menu.
  function move(card, stage, origin, extra) {
    var column = columnFor(stage);
    if (column && column.hasAttribute("data-lost") && !extra.lost_reason) {
      return askReason(card).then(function (answer) {
        if (!answer) { putBack(card, origin); return; }
        return move(card, stage, origin, Object.assign({}, extra, answer));
      });
    }
    card.setAttribute("aria-busy", "true");
    return post(card, stage, extra).then(function (reply) {
      card.removeAttribute("aria-busy");
      var data = reply.data || {};
      if (reply.status === 200 && data.moved) {
        say(data.detail, data.warnings && data.warnings.length ? "warning" : "success");
        return refresh(origin ? null : card.dataset.project);
      }
      if (reply.status === 200 && data.confirm) {
        return confirmWarnings(data.detail, data.warnings).then(function (yes) {
          if (!yes) { putBack(card, origin); return; }
          return move(card, stage, origin, Object.assign({}, extra, { confirm: "1" }));
        });
      }
      putBack(card, origin);
      if (reply.status === 409) { say(data.detail, "error"); return refresh(); }
      if (reply.status === 404) { say(statusBox().dataset.gone, "error"); return refresh(); }
      say(data.detail || statusBox().dataset.failed, "error");
    }, function () {
      card.removeAttribute("aria-busy");
      putBack(card, origin);
      say(statusBox().dataset.failed, "error");
    });
  }

  function setup(root) {
    if (!window.Sortable || !root.querySelectorAll) { return; }
    root.querySelectorAll(".board-cards").forEach(function (list) {
      if (window.Sortable.get(list)) { return; }
      window.Sortable.create(list, {
        // An archived stage only gives its projects away.
        group: { name: "board", put: !list.hasAttribute("data-archived") },
        sort: false,
        animation: 150,
        delay: 200,
        delayOnTouchOnly: true,
        draggable: ".board-card",
        filter: ".move-to",
        preventOnFilter: false,
        onAdd: function (event) {
          move(event.item, list.dataset.stage, { list: event.from, index: event.oldIndex }, {});
        }
      });
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var card = form.closest && form.closest(".move-to") && form.closest(".board-card");
    if (!card || !window.fetch) { return; }
    event.preventDefault();
    move(card, form.elements.stage.value, null, {});
  });

  // The card's "move to" form: a copy of the shared one, for this card's version and
  // without the stage it stands in.
  function fillMenu(menu) {
    var card = menu.closest(".board-card");
    var source = document.getElementById("move-to-form");
    if (!card || !source || menu.querySelector("form")) { return; }
    var form = source.content.firstElementChild.cloneNode(true);
    form.action = card.dataset.moveUrl;
    form.elements.version.value = card.dataset.version;
    var select = form.elements.stage;
    select.id = "move-" + card.dataset.project;
    form.querySelector("label").htmlFor = select.id;
    var column = card.closest(".board-cards");
    var current = column && select.querySelector('option[value="' + CSS.escape(column.dataset.stage) + '"]');
    if (current) { current.remove(); }
    var page = menu.querySelector(".move-to-page");
    if (page) { page.remove(); }
    menu.appendChild(form);
  }

  document.addEventListener("click", function (event) {
    var summary = event.target.closest(".move-to > summary");
    if (summary) {
      fillMenu(summary.parentNode);
      return;
    }
    var toggle = event.target.closest(".column-toggle");
    if (toggle) {
      var column = toggle.closest(".board-column");
      setCollapsed(column, !column.classList.contains("collapsed"));
      return;
    }
    var tab = event.target.closest(".board-tabs a");
    if (tab) {
      // Scroll the strip, not the page: the tabs sit right above it.
      var target = columnFor(tab.dataset.stage);
      if (target) {
        event.preventDefault();
        target.scrollIntoView({ block: "nearest", inline: "start" });
      }
      tab.parentNode.querySelectorAll("a").forEach(function (other) { other.classList.toggle("current", other === tab); });
    }
  });

  if (window.htmx) {
    window.htmx.onLoad(setup);
  } else {
    document.addEventListener("DOMContentLoaded", function () { setup(document); });
  }
})();
