/*
 * 表态发言助手 in WPS: the WPS host adapter of the shared pane (../pane/*.js), loaded by the pane
 * page /taskpane/wps.html, which WPS opens with Application.CreateTaskPane (or ShowDialog).
 *
 * Only the documented object model: Application.ActiveDocument, Selection, Selection.Range,
 * Selection.InsertFile(url), Range.Text, ActiveDocument.Content, ActiveDocument.Range(start, end),
 * ActiveDocument.Comments.Add(range, text), ActiveDocument.Variables, PluginStorage.
 * - What is remembered with the document goes into a document variable (saved with the file).
 * - Parts and the whole speech go in with Selection.InsertFile on a short-lived URL the service
 *   serves for one rendered .docx (its fragment endpoints); if WPS refuses the file (for example
 *   it cannot reach the URL), the plain text goes in through Selection.Range.Text.
 * - 检查提法 reads ActiveDocument.Content.Text and comments each hit, last to first, so that a
 *   comment's anchor cannot move the positions of the hits before it.
 * - The ribbon's buttons leave what was asked in PluginStorage (wps/main.js); the pane acts on it.
 */
(function (P) {
  "use strict";

  var DOC_VARIABLE = "biaotai";
  var INTENT_KEY = "biaotai.intent";
  var INTENT_FRESH_MS = 30000;   // a request older than this (a pane opened much later) is ignored
  var app = null;
  var doc = null;                // the document the pane was opened on
  var seenIntent = null;

  function application() {
    if (window.Application) { return window.Application; }
    return window.wps && window.wps.WpsApplication ? window.wps.WpsApplication() : null;
  }

  function boot(start, noHost) {
    app = application();
    $("no-host-title").textContent = "请在 WPS 中打开";
    var steps = $("no-host-steps");
    P.clear(steps);
    P.each(["打开 WPS 文字，新建或打开一个文档。", "在「开始」选项卡的「表态发言」组中点击「打开助手」。",
            "没有这个按钮时，请按安装说明添加 WPS 加载项，或联系管理员。"], function (line) {
      steps.appendChild(P.el("li", { text: line }));
    });
    if (!app) {
      noHost("这个页面是 WPS 加载项「表态发言助手」的窗格，现在是在浏览器中直接打开的，不能插入到文档。");
      return;
    }
    doc = app.ActiveDocument;
    if (!doc) {
      noHost("WPS 中还没有打开的文档。请先新建或打开一个文档，再点「打开助手」。");
      return;
    }
    start(true);
  }

  function $(id) { return document.getElementById(id); }

  function readDocument() {
    if (!doc) { return null; }
    try {
      var variable = findVariable();
      return variable ? JSON.parse(variable.Value) : null;
    } catch (e) {
      return null;
    }
  }

  /* Variables.Item raises for a missing name in Word's model (and may return nothing in WPS). */
  function findVariable() {
    try { return doc.Variables.Item(DOC_VARIABLE) || null; } catch (e) { return null; }
  }

  function writeDocument(saved, failed) {
    if (!doc) { return; }
    var text = JSON.stringify(saved);
    try {
      var variable = findVariable();
      if (variable) { variable.Value = text; } else { doc.Variables.Add(DOC_VARIABLE, text); }
    } catch (e) {
      failed(String((e && e.message) || e || "WPS 拒绝了保存。"));
    }
  }

  function plainText(blocks) {
    var lines = [];
    P.each(blocks, function (block) { lines.push((block.lead || "") + block.text); });
    return lines.join("\r") + "\r";
  }

  function insertFile(answer, blocks, done) {
    try {
      app.Selection.InsertFile(answer.docx_url);
      done(null, null);
    } catch (error) {
      if (!blocks.length) { done(error); return; }
      try {
        app.Selection.Range.Text = plainText(blocks);
        done(null, P.describeHostError(error));
      } catch (failure) {
        done(failure);
      }
    }
  }

  function readText(done) {
    var text;
    try { text = doc.Content.Text; } catch (e) { done(e); return; }
    done(null, String(text || ""));
  }

  /* A comment at each hit whose range holds the words found; the others are returned. */
  function addComments(hits, done) {
    var missed = [];
    try {
      for (var i = hits.length - 1; i >= 0; i -= 1) {
        var range = doc.Range(hits[i].start, hits[i].end);
        if (range.Text === hits[i].found) {
          doc.Comments.Add(range, hits[i].message);
        } else {
          missed.unshift(hits[i]);
        }
      }
    } catch (e) {
      done(e, missed);
      return;
    }
    done(null, missed);
  }

  /* What a ribbon button asked for, once the pane is ready. */
  function takeIntent() {
    var raw = null;
    try { raw = app.PluginStorage.getItem(INTENT_KEY); } catch (e) { raw = null; }
    if (!raw || raw === seenIntent || document.body.getAttribute("data-state") !== "ready") { return; }
    seenIntent = raw;
    app.PluginStorage.setItem(INTENT_KEY, "");
    var parts = String(raw).split("|");
    if (new Date().getTime() - Number(parts[1]) > INTENT_FRESH_MS) { return; }
    if (parts[0] === "insert") {
      P.selectTab("panel-parts");
      P.banner("info", "请在下面选好要插入的部分，点它的「插入段落」。", ["段落插入到文档的光标处；要点按在本篇中的位置编号。"]);
    } else if (parts[0] === "generate") {
      P.selectTab("panel-full");
      P.generate();
    } else if (parts[0] === "lint") {
      P.selectTab("panel-full");
      P.lintDocument();
    }
  }

  function started() {
    setInterval(takeIntent, 400);
  }

  P.boot({
    name: "wps",
    label: "WPS",
    openHint: "请在 WPS 文字的「开始」选项卡中点击「表态发言」组的「打开助手」打开本窗格。",
    filePrefix: "wps/fragments/",          // the answers carry docx_url, a file WPS can insert
    plainLook: "",
    boot: boot,
    started: started,
    readDocument: readDocument,
    writeDocument: writeDocument,
    insertFile: insertFile,
    readText: readText,
    addComments: addComments
  });
}(window.biaotaiPane));
