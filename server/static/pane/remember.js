/*
 * Remembering what the writer chose: per document through the host (Word's document settings,
 * WPS's document variables; a plain browser has no document) and per user in localStorage, the
 * default for a new document.
 */
(function (P) {
  "use strict";

  var state = P.state;

  /* The saved choices for this document, else the user's last values; sets state.origin. */
  function readSaved() {
    var saved = state.host.readDocument ? state.host.readDocument() : null;
    if (saved && typeof saved === "object" && saved.values) {
      state.origin = "document";
      return saved;
    }
    var text = P.recall(P.DEFAULTS_KEY);
    if (text) {
      try { saved = JSON.parse(text); } catch (e) { saved = null; }
      if (saved && typeof saved === "object" && saved.values) {
        state.origin = "defaults";
        return { meeting: saved.meeting, style: saved.style, values: saved.values };
      }
    }
    state.origin = "";
    return null;
  }

  function snapshot() {
    var omitted = [];
    var key;
    for (key in state.omit) {
      if (state.omit.hasOwnProperty(key) && state.omit[key]) { omitted.push(key); }
    }
    return { v: 1, meeting: state.meeting, style: state.styleChosen ? state.style : null, values: P.copy(state.values),
             choices: P.copy(state.choices), order: state.order.slice(0), omit: omitted, seed: state.seed, length: state.length,
             shown: P.copy(state.shown) };
  }

  function scheduleSave() { P.later("save", 250, save); }

  function save() {
    var saved = snapshot();
    P.store(P.DEFAULTS_KEY, JSON.stringify({ meeting: saved.meeting, style: saved.style, values: saved.values }));
    if (!state.host.writeDocument) { return; }
    state.host.writeDocument(saved, function (reason) {
      P.banner("warning", "单位信息没能保存到本文档中。", [
        reason,
        "文档是只读的或受保护时会这样；另存为可编辑的文档后再填写即可。"
      ]);
    });
  }

  P.readSaved = readSaved;
  P.snapshot = snapshot;
  P.scheduleSave = scheduleSave;
}(window.biaotaiPane = window.biaotaiPane || {}));
