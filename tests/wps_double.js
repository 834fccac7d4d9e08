/*
 * A test double of WPS's JS add-in object model (WPS加载项, `window.Application`), for
 * tests/test_wps.py. It stands for WPS 文字 running our add-in: the hidden add-in page
 * (/wps/index.html) and the pane WPS opens for it (/taskpane/wps.html) see one WPS.
 *
 * Only the calls our add-in may use, and only as documented (Kingsoft's WPS加载项 JS API follows
 * Word's VBA object model; the add-in samples of Kingsoft's OA assistant use the same calls):
 *  - Application.CreateTaskPane(url, title) returns a TaskPane {ID, Visible}; setting Visible to
 *    true shows it (here: window.open(url), so the test gets the pane as a new page; shown again
 *    after the writer closed it). config.createTaskPaneFails makes it throw (a WPS build that
 *    cannot make the pane), config.createTaskPaneReturnsNothing makes it return null.
 *  - Application.ShowDialog(url, title, width, height, modal) opens the page as a dialog.
 *  - Application.PluginStorage.getItem/setItem: one store shared by all pages of the add-in.
 *  - Application.ActiveDocument: the open document. Content and Range(start, end) are Ranges over
 *    the main text (paragraphs end in "\r", as in Word); Range.Text reads, and writing it replaces
 *    the range's text. Comments.Add(range, text) anchors a comment at the range (recorded with its
 *    start, end and the text it covers). Variables.Item(name) raises for a name the document does
 *    not have (Word's error 5825), Variables.Add(name, value) raises for one it has; a Variable's
 *    Value reads and writes. Variables are kept with the document (they survive closing the pane).
 *  - Application.Selection: the cursor. Selection.Range is the Range at the cursor;
 *    Selection.InsertFile(url) makes WPS download the URL synchronously and raises unless it is a
 *    .docx (a zip): here a synchronous XMLHttpRequest, the bytes recorded (base64), not parsed, so
 *    the text of an inserted file does not appear in the double's document text.
 *
 * The one WPS lives in localStorage["__wpsDouble"] (same origin for both pages, synchronous like
 * the real object model). window.__wpsDoubleConfig (set by the test before this script): document
 * (its name) and text (the text it starts with, used when WPS has no such document yet).
 * window.__wpsDouble exposes state() and open(name, text) (WPS opens another document) to the test.
 */
(function () {
  "use strict";
  var KEY = "__wpsDouble";
  var config = window.__wpsDoubleConfig || {};

  function load() {
    var state = JSON.parse(window.localStorage.getItem(KEY) || "null") || {
      documents: {}, active: null, cursor: 0, inserted: [], panes: [], dialogs: [], storage: {}, nextPane: 1
    };
    var name = config.document || "文档1";
    if (!state.active) { state.active = name; }
    if (!state.documents[state.active]) {
      state.documents[state.active] = { text: config.text || "\r", variables: {}, comments: [] };
    }
    return state;
  }
  function save(state) { window.localStorage.setItem(KEY, JSON.stringify(state)); }
  function change(fn) { var state = load(); var result = fn(state, state.documents[state.active]); save(state); return result; }

  function WpsError(number, message) {
    var error = new Error(message);
    error.number = number;
    error.code = String(number);
    return error;
  }

  // -------------------------------------------------------------------------------------------
  // Ranges over the active document's text

  function Range(start, end) {
    var text = load().documents[load().active].text;
    this.Start = Math.max(0, Math.min(start, text.length));
    this.End = Math.max(this.Start, Math.min(end, text.length));
  }
  Object.defineProperty(Range.prototype, "Text", {
    get: function () { return load().documents[load().active].text.slice(this.Start, this.End); },
    set: function (value) {
      var range = this;
      value = String(value);
      change(function (state, doc) {
        doc.text = doc.text.slice(0, range.Start) + value + doc.text.slice(range.End);
        state.cursor = range.Start + value.length;
        state.inserted.push({ kind: "text", text: value, at: range.Start, document: state.active });
      });
      this.End = this.Start + value.length;
    }
  });
  Range.prototype.InsertFile = function (url) { insertFile(url, this.Start); };

  function fetchDocx(url) {
    var xhr = new XMLHttpRequest();
    xhr.open("GET", url, false);
    xhr.overrideMimeType("text/plain; charset=x-user-defined");
    xhr.send();
    var raw = xhr.responseText || "";
    var bytes = "";
    for (var i = 0; i < raw.length; i += 1) { bytes += String.fromCharCode(raw.charCodeAt(i) & 0xff); }
    return { status: xhr.status, bytes: bytes, type: xhr.getResponseHeader("Content-Type") };
  }

  function insertFile(url, at) {
    var got;
    try { got = fetchDocx(url); } catch (e) { throw new WpsError(5174, "无法打开文件：" + url); }
    change(function (state) {
      state.inserted.push({ kind: "file", url: url, status: got.status, type: got.type, at: at,
                            base64: got.status === 200 ? window.btoa(got.bytes) : null, document: state.active });
    });
    if (got.status !== 200 || got.bytes.slice(0, 2) !== "PK") {
      throw new WpsError(5174, "无法打开文件：" + url);
    }
  }

  // -------------------------------------------------------------------------------------------
  // The document

  function Variable(name) { this.Name = name; }
  Object.defineProperty(Variable.prototype, "Value", {
    get: function () { return load().documents[load().active].variables[this.Name]; },
    set: function (value) { var name = this.Name; change(function (state, doc) { doc.variables[name] = String(value); }); }
  });

  var Variables = {
    Item: function (name) {
      if (!load().documents[load().active].variables.hasOwnProperty(name)) { throw new WpsError(5825, "对象已被删除。"); }
      return new Variable(name);
    },
    Add: function (name, value) {
      if (load().documents[load().active].variables.hasOwnProperty(name)) { throw new WpsError(5903, "变量名已存在。"); }
      change(function (state, doc) { doc.variables[name] = String(value); });
      return new Variable(name);
    }
  };
  Object.defineProperty(Variables, "Count", { get: function () { return Object.keys(load().documents[load().active].variables).length; } });

  var Comments = {
    Add: function (range, text) {
      if (!(range instanceof Range)) { throw new WpsError(13, "类型不匹配。"); }
      change(function (state, doc) {
        doc.comments.push({ start: range.Start, end: range.End, scope: doc.text.slice(range.Start, range.End), text: String(text) });
      });
      return {};
    }
  };
  Object.defineProperty(Comments, "Count", { get: function () { return load().documents[load().active].comments.length; } });

  var ActiveDocument = {
    Range: function (start, end) { return new Range(start, end); },
    Variables: Variables,
    Comments: Comments
  };
  Object.defineProperty(ActiveDocument, "Content", {
    get: function () { return new Range(0, load().documents[load().active].text.length); }
  });
  Object.defineProperty(ActiveDocument, "Name", { get: function () { return load().active; } });

  var Selection = { InsertFile: function (url) { insertFile(url, load().cursor); } };
  Object.defineProperty(Selection, "Range", { get: function () { var at = load().cursor; return new Range(at, at); } });

  // -------------------------------------------------------------------------------------------
  // Panes, dialogs, storage

  function TaskPane(id, url) {
    var visible = false;
    var win = null;
    this.ID = id;
    Object.defineProperty(this, "Visible", {
      get: function () { return visible && win && !win.closed; },
      set: function (value) {
        visible = !!value;
        change(function (state) { state.panes.push({ id: id, url: url, visible: visible }); });
        if (visible && (!win || win.closed)) { win = window.open(url, "_blank"); }
      }
    });
  }

  var Application = {
    CreateTaskPane: function (url, title) {
      if (config.createTaskPaneFails) { throw new WpsError(-2147467259, "CreateTaskPane failed"); }
      if (config.createTaskPaneReturnsNothing) { return null; }
      var id = change(function (state) { state.nextPane += 1; return state.nextPane - 1; });
      return new TaskPane(id, url);
    },
    ShowDialog: function (url, title, width, height, modal) {
      change(function (state) { state.dialogs.push({ url: url, title: title, width: width, height: height, modal: modal }); });
      window.open(url, "_blank");
    },
    PluginStorage: {
      getItem: function (key) { var s = load().storage; return s.hasOwnProperty(key) ? s[key] : null; },
      setItem: function (key, value) { change(function (state) { state.storage[key] = String(value); }); }
    },
    ActiveDocument: ActiveDocument,
    Selection: Selection
  };

  window.Application = Application;
  window.__wpsDouble = {
    state: function () { return load(); },
    open: function (name, text) {
      change(function (state) {
        state.active = name;
        state.cursor = 0;
        if (!state.documents[name]) { state.documents[name] = { text: text || "\r", variables: {}, comments: [] }; }
      });
    }
  };
}());
