/*
 * 表态发言助手：Word 任务窗格 — the Word host adapter of the shared pane (../pane/*.js).
 *
 * ES5 only: Word 2016/2019 (volume licensed) run task panes in an IE11 engine. Word.run's own
 * thenable for the document, Office.context.document.settings for what is remembered with the
 * document. What Word cannot take formatted (insertFileFromBase64 refused) goes in as plain
 * paragraphs with the body font. Outside Word (office.js missing or another host) the page says
 * to open it in Word, and may continue as a plain browser pane that cannot insert.
 */
(function (P) {
  "use strict";

  var SETTINGS_KEY = "biaotai";              // per document: Office.context.document.settings
  // The look of the plain-text fallback, as word_templates/ sets it (GB/T 9704 as offices apply it).
  var LOOK = {
    title: { font: "方正小标宋简体", size: 22, indent: 0, align: "Centered" },
    speaker: { font: "楷体_GB2312", size: 16, indent: 0, align: "Centered" },
    salutation: { font: "仿宋_GB2312", size: 16, indent: 0, align: "Justified" },
    heading: { font: "黑体", size: 16, indent: 32, align: "Justified" },
    body: { font: "仿宋_GB2312", size: 16, indent: 32, align: "Justified" }
  };
  var LEAD_FONT = "黑体";
  var LINE_SPACING = 28.95;
  var inWord = false;

  function boot(start, noHost) {
    if (typeof Office === "undefined" || !Office.onReady) {
      noHost("没能加载 Office.js（Word 加载项所需的微软脚本），所以不能与 Word 通信。请检查本机能否访问 "
             + officeScriptHost() + "；内网需要镜像时请管理员设置 OFFICE_JS_URL。");
      return;
    }
    var started = false;
    var guard = setTimeout(function () {
      if (!started) { noHost("Office.js 没有响应。这个页面需要在 Word 的任务窗格中打开。"); }
    }, 15000);
    Office.onReady(function (info) {
      started = true;
      clearTimeout(guard);
      if (info && info.host === Office.HostType.Word) {
        if (Office.context.requirements && Office.context.requirements.isSetSupported
            && !Office.context.requirements.isSetSupported("WordApi", "1.1")) {
          noHost("这个版本的 Word 不支持本加载项，需要 Word 2016 或更新版本。");
          return;
        }
        inWord = true;
        start(true);
      } else if (info && info.host) {
        noHost("本加载项只能在 Word 中使用，当前是 " + info.host + "。");
      } else {
        noHost("这个页面是 Word 加载项「表态发言助手」的任务窗格，现在是在浏览器中直接打开的，不能插入到文档。");
      }
    });
  }

  function officeScriptHost() {
    var scripts = document.getElementsByTagName("script");
    for (var i = 0; i < scripts.length; i += 1) {
      var src = scripts[i].getAttribute("src") || "";
      if (/office\.js(\?|$)/.test(src)) { return src; }
    }
    return "office.js";
  }

  function documentSettings() {
    if (!inWord) { return null; }
    try { return Office.context.document.settings || null; } catch (e) { return null; }
  }

  function readDocument() {
    var settings = documentSettings();
    if (!settings) { return null; }
    try { return settings.get(SETTINGS_KEY); } catch (e) { return null; }
  }

  function writeDocument(saved, failed) {
    var settings = documentSettings();
    if (!settings) { return; }
    try {
      settings.set(SETTINGS_KEY, saved);
      settings.saveAsync(function (result) {
        if (result && result.status === Office.AsyncResultStatus.Failed) {
          failed((result.error && result.error.message) || "Word 拒绝了保存。");
        }
      });
    } catch (e) {
      failed(String(e.message || e));
    }
  }

  /* Formatted insert (the service's .docx) at the cursor; where Word refuses it, plain paragraphs
     with the body font. done(failure, fallbackReason). */
  function insertFile(answer, blocks, done) {
    Word.run(function (context) {
      var range = context.document.getSelection().insertFileFromBase64(answer.docx_base64, "Replace");
      range.select("End");
      return context.sync();
    }).then(function () {
      done(null, null);
    }, function (error) {
      var reason = P.describeHostError(error);
      insertBlocks(blocks, function (failure) { done(failure, failure ? null : reason); });
    });
  }

  function insertBlocks(blocks, done) {
    if (!blocks.length) { done({ message: "没有可插入的内容" }); return; }
    Word.run(function (context) {
      var selection = context.document.getSelection();
      P.each(blocks, function (block) {
        var look = LOOK[block.kind] || LOOK.body;
        var paragraph = selection.insertParagraph(block.text, "Before");
        paragraph.font.name = look.font;
        paragraph.font.size = look.size;
        paragraph.font.bold = false;
        paragraph.firstLineIndent = look.indent;
        paragraph.leftIndent = 0;
        paragraph.lineSpacing = block.kind === "title" ? 36 : LINE_SPACING;
        paragraph.alignment = look.align;
        if (block.lead) {
          var lead = paragraph.insertText(block.lead, "Start");
          lead.font.name = LEAD_FONT;
        }
      });
      return context.sync();
    }).then(function () { done(null); }, function (error) { done(error); });
  }

  P.boot({
    name: "word",
    label: "Word",
    openHint: "请在 Word 的「开始」选项卡中点击「表态发言助手」打开本窗格。",
    filePrefix: "",                        // the answers carry docx_base64
    plainLook: "，并设为仿宋_GB2312 三号",   // what insertBlocks gives plain text
    boot: boot,
    readDocument: readDocument,
    writeDocument: writeDocument,
    insertFile: insertFile
  });
}(window.biaotaiPane));
