/*
 * A test double of Microsoft's office.js for the task pane, served by tests/test_taskpane.py in
 * place of the CDN script (Playwright routes the office.js URL here; the page stays as shipped).
 *
 * Faithful where the pane depends on it:
 *  - Office.onReady(callback) calls back asynchronously with {host, platform} and returns a
 *    thenable; outside Office (config.host === null) host and platform are null, there is no
 *    Office.context.document and no Word namespace, as with the real script in a browser.
 *  - Office.context.document.settings: get/set/remove work on an in-memory copy; only saveAsync
 *    persists it (to the test, through window.__officeDoubleSaveSettings) and calls back with an
 *    AsyncResult {status: "succeeded"}; get returns null for a missing name.
 *  - Word.run(batch): proxies queue their calls; nothing reaches the "document" before
 *    context.sync(). A failing sync rejects with an OfficeExtension.Error (code, message,
 *    debugInfo) and applies none of that batch. Insert locations are checked as Word checks them.
 *  - insertFileFromBase64 fails when config.failInsertFile is set (as Word does for a file it
 *    cannot take), and always for text that is not a base64 .docx (zip) file.
 *
 * What happened is recorded in window.__officeDouble: runs (each with its synced operations,
 * status and error) and document (what was inserted, in order).
 */
(function () {
  "use strict";
  var config = window.__officeDoubleConfig || {};
  var host = config.hasOwnProperty("host") ? config.host : "Word";
  var record = { runs: [], document: [], saves: 0, config: config };
  window.__officeDouble = record;

  function clone(value) { return value === undefined ? undefined : JSON.parse(JSON.stringify(value)); }

  // ---------------------------------------------------------------------------------------------
  // OfficeExtension

  function OfficeError(code, message, location) {
    this.name = "OfficeExtension.Error";
    this.code = code;
    this.message = message;
    this.debugInfo = { code: code, message: message, errorLocation: location };
    this.traceMessages = [];
  }
  OfficeError.prototype = Object.create(Error.prototype);
  OfficeError.prototype.constructor = OfficeError;

  window.OfficeExtension = {
    Error: OfficeError,
    ErrorCodes: { generalException: "GeneralException", invalidArgument: "InvalidArgument",
                  accessDenied: "AccessDenied", itemNotFound: "ItemNotFound" },
    Promise: window.Promise
  };

  // ---------------------------------------------------------------------------------------------
  // Word

  var LOCATIONS = {
    insertFileFromBase64: ["Replace", "Start", "End", "Before", "After"],
    rangeInsertParagraph: ["Before", "After"],
    bodyInsertParagraph: ["Start", "End"],
    rangeInsertText: ["Replace", "Start", "End", "Before", "After"],
    paragraphInsertText: ["Replace", "Start", "End"],
    select: ["Select", "Start", "End"]
  };

  function Font() { this.name = undefined; this.size = undefined; this.bold = undefined; this.italic = undefined; this.color = undefined; }
  function fontState(font) {
    var out = {};
    ["name", "size", "bold", "italic", "color"].forEach(function (k) { if (font[k] !== undefined) { out[k] = font[k]; } });
    return out;
  }

  function Range(context, origin) {
    this.context = context;
    this.origin = origin;
    this.font = new Font();
  }
  Range.prototype.insertFileFromBase64 = function (base64, location) {
    var result = new Range(this.context, "inserted file");
    this.context._queue({ method: "insertFileFromBase64", target: this.origin, location: location, base64: base64,
                          check: LOCATIONS.insertFileFromBase64, result: result });
    return result;
  };
  Range.prototype.insertParagraph = function (text, location) {
    var paragraph = new Paragraph(this.context, text);
    this.context._queue({ method: "insertParagraph", target: this.origin, location: location, text: text,
                          check: LOCATIONS.rangeInsertParagraph, result: paragraph });
    return paragraph;
  };
  Range.prototype.insertText = function (text, location) {
    var range = new Range(this.context, "inserted text");
    this.context._queue({ method: "insertText", target: this.origin, location: location, text: text,
                          check: LOCATIONS.rangeInsertText, result: range });
    return range;
  };
  Range.prototype.select = function (mode) {
    this.context._queue({ method: "select", target: this.origin, location: mode || "Select", check: LOCATIONS.select });
  };
  Range.prototype.load = function () { return this; };

  function Paragraph(context, text) {
    this.context = context;
    this.text = text;
    this.font = new Font();
    this.inserted = [];
    this.alignment = undefined;
    this.firstLineIndent = undefined;
    this.leftIndent = undefined;
    this.lineSpacing = undefined;
    this.style = undefined;
  }
  Paragraph.prototype.insertText = function (text, location) {
    var range = new Range(this.context, "paragraph text");
    this.context._queue({ method: "insertText", target: "paragraph", location: location, text: text,
                          check: LOCATIONS.paragraphInsertText, result: range, paragraph: this });
    return range;
  };
  Paragraph.prototype.load = function () { return this; };

  function Body(context) { this.context = context; this.font = new Font(); }
  Body.prototype.insertParagraph = function (text, location) {
    var paragraph = new Paragraph(this.context, text);
    this.context._queue({ method: "insertParagraph", target: "body", location: location, text: text,
                          check: LOCATIONS.bodyInsertParagraph, result: paragraph });
    return paragraph;
  };
  Body.prototype.insertFileFromBase64 = function (base64, location) {
    var result = new Range(this.context, "inserted file");
    this.context._queue({ method: "insertFileFromBase64", target: "body", location: location, base64: base64,
                          check: ["Replace", "Start", "End"], result: result });
    return result;
  };

  function RequestContext(run) {
    var context = this;
    this._run = run;
    this._pending = [];
    this.document = {
      body: new Body(this),
      getSelection: function () { return new Range(context, "selection"); }
    };
    this.trackedObjects = { add: function () {}, remove: function () {} };
  }
  RequestContext.prototype._queue = function (op) { this._pending.push(op); };

  function looksLikeDocx(base64) {
    if (typeof base64 !== "string" || !base64.length || base64.length % 4 !== 0) { return false; }
    try { return window.atob(base64.slice(0, 8)).slice(0, 2) === "PK"; } catch (e) { return false; }
  }

  function validate(op) {
    if (op.check && op.check.indexOf(op.location) < 0) {
      return new OfficeError("InvalidArgument", "The argument is invalid or missing or has an incorrect format.",
                             op.method + "(" + op.location + ")");
    }
    if (op.method === "insertFileFromBase64") {
      if (config.failInsertFile) {
        return new OfficeError("GeneralException", "This browser does not support the requested API.",
                               "Range.insertFileFromBase64");
      }
      if (!looksLikeDocx(op.base64)) {
        return new OfficeError("InvalidArgument", "The argument is invalid or missing or has an incorrect format.",
                               "Range.insertFileFromBase64");
      }
    }
    return null;
  }

  function describe(op) {
    var out = { method: op.method, target: op.target, location: op.location };
    if (op.text !== undefined) { out.text = op.text; }
    if (op.base64 !== undefined) { out.base64 = op.base64; }
    if (op.method === "insertParagraph") {
      var p = op.result;
      out.paragraph = { font: fontState(p.font), alignment: p.alignment, firstLineIndent: p.firstLineIndent,
                        leftIndent: p.leftIndent, lineSpacing: p.lineSpacing };
    }
    if (op.method === "insertText") { out.font = fontState(op.result.font); }
    return out;
  }

  RequestContext.prototype.sync = function () {
    var context = this;
    var batch = this._pending;
    this._pending = [];
    return new Promise(function (resolve, reject) {
      setTimeout(function () {
        for (var i = 0; i < batch.length; i += 1) {
          var error = validate(batch[i]);
          if (error) {
            context._run.failedAt = batch[i].method;
            reject(error);
            return;
          }
        }
        batch.forEach(function (op) {
          var done = describe(op);
          context._run.ops.push(done);
          if (op.method === "insertFileFromBase64") {
            record.document.push({ kind: "file", base64: op.base64, location: op.location });
          } else if (op.method === "insertParagraph") {
            record.document.push({ kind: "paragraph", text: op.text, location: op.location, format: done.paragraph,
                                   leads: [] });
          } else if (op.method === "insertText" && op.paragraph) {
            var last = record.document[record.document.length - 1];
            if (last && last.kind === "paragraph") { last.leads.push({ text: op.text, location: op.location, font: done.font }); }
          }
        });
        context._run.syncs += 1;
        resolve();
      }, 5);
    });
  };

  function run(batch) {
    var entry = { ops: [], status: "running", syncs: 0, unsynced: 0 };
    record.runs.push(entry);
    var context = new RequestContext(entry);
    return new Promise(function (resolve, reject) {
      var result;
      try {
        result = batch(context);
      } catch (e) {
        entry.status = "failed";
        entry.error = { code: e.code || "Error", message: String(e.message || e) };
        reject(e);
        return;
      }
      Promise.resolve(result).then(function (value) {
        entry.unsynced = context._pending.length;  // queued but never synced: never reached the document
        entry.status = "succeeded";
        resolve(value);
      }, function (error) {
        entry.status = "failed";
        entry.error = { code: error && error.code, message: String(error && error.message || error) };
        reject(error);
      });
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Office

  var stored = clone(config.settings || {});
  var live = clone(stored);
  var settings = {
    get: function (name) { return live.hasOwnProperty(name) ? clone(live[name]) : null; },
    set: function (name, value) { live[name] = clone(value); },
    remove: function (name) { delete live[name]; },
    saveAsync: function (options, callback) {
      if (typeof options === "function") { callback = options; }
      setTimeout(function () {
        stored = clone(live);
        record.saves += 1;
        record.settings = clone(stored);
        if (typeof window.__officeDoubleSaveSettings === "function") {
          window.__officeDoubleSaveSettings(JSON.stringify(stored));
        }
        if (callback) { callback({ status: "succeeded", value: undefined, error: null, asyncContext: undefined }); }
      }, 5);
    },
    refreshAsync: function (callback) {
      live = clone(stored);
      if (callback) { setTimeout(function () { callback({ status: "succeeded", value: settings }); }, 5); }
    },
    addHandlerAsync: function (type, handler, callback) { if (callback) { callback({ status: "succeeded" }); } }
  };
  record.settings = clone(stored);

  var wordApi = String(config.wordApi || "1.3");
  function versionAtLeast(have, want) {
    var a = have.split("."), b = String(want || "1.1").split(".");
    for (var i = 0; i < Math.max(a.length, b.length); i += 1) {
      var x = parseInt(a[i] || "0", 10), y = parseInt(b[i] || "0", 10);
      if (x !== y) { return x > y; }
    }
    return true;
  }

  var inWord = host === "Word";
  var Office = {
    HostType: { Word: "Word", Excel: "Excel", PowerPoint: "PowerPoint", Outlook: "Outlook", OneNote: "OneNote",
                Project: "Project", Access: "Access" },
    PlatformType: { PC: "PC", OfficeOnline: "OfficeOnline", Mac: "Mac", iOS: "iOS", Android: "Android", Universal: "Universal" },
    AsyncResultStatus: { Succeeded: "succeeded", Failed: "failed" },
    context: {
      displayLanguage: "zh-CN",
      contentLanguage: "zh-CN",
      document: inWord ? { settings: settings, mode: "readWrite", url: config.documentUrl || "文档1" } : undefined,
      requirements: {
        isSetSupported: function (name, version) { return inWord && name === "WordApi" && versionAtLeast(wordApi, version); }
      },
      diagnostics: inWord ? { host: "Word", platform: "PC", version: "16.0.5000.1000" } : null
    },
    onReady: function (callback) {
      return new Promise(function (resolve) {
        setTimeout(function () {
          var info = { host: inWord || host ? host : null, platform: host ? "PC" : null };
          if (typeof Office.initialize === "function") { Office.initialize(""); }
          if (callback) { callback(info); }
          resolve(info);
        }, 10);
      });
    }
  };
  window.Office = Office;
  if (inWord) {
    window.Word = {
      run: run,
      InsertLocation: { replace: "Replace", start: "Start", end: "End", before: "Before", after: "After" },
      SelectionMode: { select: "Select", start: "Start", end: "End" },
      Alignment: { mixed: "Mixed", unknown: "Unknown", left: "Left", centered: "Centered", right: "Right", justified: "Justified" },
      RequestContext: RequestContext
    };
  }
}());
