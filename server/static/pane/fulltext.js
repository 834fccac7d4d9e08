/*
 * The whole speech to read and edit in place (the full-window page): the service's text laid out as
 * the document will be, editable; 复制全文 copies what the writer sees (edits included), 打印 prints
 * it alone (page.css has the print look). The .docx download is the service's rendering of the
 * library text, so the page says so once the writer has edited here.
 */
(function (P) {
  "use strict";

  var $ = P.$, el = P.el, clear = P.clear, show = P.show, each = P.each;
  var state = P.state;
  var edited = false;

  /* Called whenever the preview of the speech changes (output.js renderFull). */
  function showSpeechText(speech) {
    var box = $("speech-text");
    if (!box) { return; }
    if (edited) {
      show($("speech-stale"), true);  // never overwrite what the writer typed without asking
      return;
    }
    fill(box, speech);
  }

  function fill(box, speech) {
    clear(box);
    show($("speech-stale"), false);
    if (!speech) {
      var missing = P.missingFields();
      box.removeAttribute("contenteditable");
      box.appendChild(el("p", { className: "speech-empty", text: missing.length
        ? "填好左侧的单位信息后，这里显示整篇发言（还缺：" + P.labels(missing).join("、") + "）。"
        : (state.speechError && state.speechError.message) || "正在生成…" }));
      return;
    }
    box.setAttribute("contenteditable", "true");
    box.appendChild(el("h2", { className: "speech-title", text: speech.title }));
    if (speech.speaker_line) { box.appendChild(el("p", { className: "speech-speaker", text: speech.speaker_line })); }
    each(speech.parts || [], function (part) {
      each(part.blocks || [], function (block) {
        box.appendChild(el("p", { className: "speech-" + block.kind, "data-slot": part.slot }, [
          block.lead ? el("strong", { className: "speech-lead", text: block.lead }) : null,
          block.text
        ]));
      });
    });
  }

  function textEdited() { return edited; }

  /* The text as the writer sees it, one paragraph a line. */
  function speechText() {
    var lines = [];
    each($("speech-text").childNodes, function (node) {
      var text = node.textContent ? P.trimmed(node.textContent) : "";
      if (text) { lines.push(text); }
    });
    return lines.join("\n");
  }

  function copyText() {
    if (!state.speech && !edited) {
      P.banner("warning", "还没有全文可复制。", ["请先填好单位信息。"]);
      return;
    }
    var text = speechText();
    var done = function () {
      P.banner("success", "已复制全文（" + text.length + " 字）。", ["可以粘贴到 Word 或 WPS 文档中；粘贴后请套用单位的公文格式，或改用「下载 .docx」。"]);
    };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(done, function () { copyBySelection(text, done); });
    } else {
      copyBySelection(text, done);
    }
  }

  /* Older browsers (and http pages, which get no navigator.clipboard): copy a hidden selection. */
  function copyBySelection(text, done) {
    var area = el("textarea", { className: "offscreen", readonly: true });
    area.value = text;
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(area);
    if (ok) {
      done();
    } else {
      P.banner("warning", "浏览器不允许网页写入剪贴板。", ["请在全文中按 Ctrl+A 全选、Ctrl+C 复制。"]);
    }
  }

  function compose() {
    var missing = P.missingFields();
    if (missing.length) {
      P.banner("warning", "请先补全单位信息：", P.labels(missing), [{ label: "去填写", run: function () { P.focusField(missing[0].key); } }]);
      return;
    }
    edited = false;
    fill($("speech-text"), null);
    P.refreshPreview();
  }

  function bind() {
    var box = $("speech-text");
    if (!box) { return; }
    box.addEventListener("input", function () { edited = true; });
    P.on("btn-copy", "click", copyText);
    P.on("btn-print", "click", function () { window.print(); });
    P.on("btn-compose", "click", compose);
    P.on("btn-replace", "click", function () { edited = false; fill(box, state.speech); });
  }

  P.binders = (P.binders || []).concat([bind]);
  P.showSpeechText = showSpeechText;
  P.textEdited = textEdited;
}(window.biaotaiPane = window.biaotaiPane || {}));
