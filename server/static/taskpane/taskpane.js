/*
 * 表态发言助手：Word 任务窗格。
 *
 * ES5 only: Word 2016/2019 (volume licensed) run task panes in an IE11 engine. No let/const, arrow
 * functions, template literals, classes, fetch or native promises; XMLHttpRequest for the API and
 * Word.run's own thenable for the document. tests/test_taskpane.py parses this file as ES5.1.
 *
 * The pane decides nothing the service decides: composition, numbering and derived values come
 * from the JSON API (/api/...). The pane keeps what the writer chose (values, variants, order of
 * the points), shows what the service renders and inserts what it returns.
 */
(function () {
  "use strict";

  var API = "../api/";
  var SETTINGS_KEY = "biaotai";              // per document: Office.context.document.settings
  var DEFAULTS_KEY = "biaotai.defaults";     // per user: localStorage, the default for new documents
  var TOKEN_KEY = "biaotai.token";           // per user: the service's access token, if it has one
  var UNIT_TYPE = "单位类型";
  var TIMEOUT_MS = 30000;
  var RESULT_LIMIT = 12;
  var PREVIEW_CHARS = 110;
  var DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
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

  var state = {
    hasWord: false,
    meetings: [],
    styles: [],
    meeting: null,           // meeting id
    style: null,
    styleChosen: false,      // the writer picked a style (else the meeting's default)
    schema: [],              // /api/variables for the meeting
    unitTypes: {},           // unit type -> derived values
    values: {},              // what the writer typed, by variable key
    sections: [],            // the meeting's sections (/api/sections)
    choices: {},             // slot -> section id the writer chose
    order: [],               // the meeting's points in the writer's order
    omit: {},                // point slot -> true when left out
    speech: null,            // the last /api/speech answer for the preview
    speechError: null,
    libraryId: null,
    connected: null,
    origin: "",              // where the values came from: "document", "defaults" or ""
    restored: null           // the document's saved snapshot, until its meeting is loaded
  };
  var pending = 0;
  var previewSeq = 0;
  var resultsSeq = 0;
  var acting = false;
  var timers = {};

  // -------------------------------------------------------------------------------------------
  // Small DOM helpers (IE11: no closest, no classList with several arguments)

  function $(id) { return document.getElementById(id); }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    var key;
    attrs = attrs || {};
    for (key in attrs) {
      if (!attrs.hasOwnProperty(key) || attrs[key] === null || attrs[key] === undefined || attrs[key] === false) {
        continue;
      }
      if (key === "text") {
        node.appendChild(document.createTextNode(String(attrs[key])));
      } else if (key === "className") {
        node.className = attrs[key];
      } else {
        node.setAttribute(key, attrs[key] === true ? "" : String(attrs[key]));
      }
    }
    each(children || [], function (child) {
      if (child === null || child === undefined) { return; }
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function clear(node) {
    while (node.firstChild) { node.removeChild(node.firstChild); }
  }

  function show(node, visible) {
    if (visible) { node.removeAttribute("hidden"); } else { node.setAttribute("hidden", ""); }
  }

  function closest(node, attribute, root) {
    while (node && node !== root && node.nodeType === 1) {
      if (node.hasAttribute(attribute)) { return node; }
      node = node.parentNode;
    }
    return null;
  }

  function each(list, fn) {
    for (var i = 0; i < list.length; i += 1) { fn(list[i], i); }
  }

  function find(list, test) {
    for (var i = 0; i < list.length; i += 1) {
      if (test(list[i])) { return list[i]; }
    }
    return null;
  }

  function copy(value) { return JSON.parse(JSON.stringify(value)); }

  function shorten(text, limit) {
    text = String(text || "").replace(/\s+/g, " ");
    return text.length > limit ? text.slice(0, limit) + "…" : text;
  }

  /* A part's text for a card: its paragraphs kept (the heading of 一、 stands on its own line). */
  function excerpt(text, limit) {
    var lines = String(text || "").split("\n");
    var out = [];
    var used = 0;
    for (var i = 0; i < lines.length && used < limit; i += 1) {
      var line = shorten(lines[i], limit - used);
      used += line.length;
      out.push(line);
    }
    var result = out.join("\n");
    return used >= limit && result.charAt(result.length - 1) !== "…" ? result + "…" : result;
  }

  function later(name, ms, fn) {
    if (timers[name]) { clearTimeout(timers[name]); }
    timers[name] = setTimeout(function () { timers[name] = null; fn(); }, ms);
  }

  function store(key, value) {
    try {
      if (value === null) { window.localStorage.removeItem(key); } else { window.localStorage.setItem(key, value); }
    } catch (e) { /* private mode or storage disabled: nothing to remember */ }
  }

  function recall(key) {
    try { return window.localStorage.getItem(key); } catch (e) { return null; }
  }

  // -------------------------------------------------------------------------------------------
  // Busy indicator and banner

  function busy(delta, label) {
    pending = Math.max(0, pending + delta);
    document.body.setAttribute("data-busy", String(pending));
    $("busy").setAttribute("aria-hidden", pending ? "false" : "true");
    $("busy").className = pending ? "busy busy-on" : "busy";
    if (pending && label) {
      $("busy-text").textContent = label;
    } else if (!pending) {
      $("busy-text").textContent = state.connected === false ? "未连接到服务" : state.libraryId ? "已连接段落库" : "";
    }
  }

  /* kind: error, warning, success or info; details: list of lines; actions: [{label, run}] */
  function banner(kind, message, details, actions) {
    var box = $("banner");
    box.className = "banner banner-" + kind;
    box.setAttribute("data-kind", kind);
    $("banner-message").textContent = message;
    var list = $("banner-details");
    clear(list);
    each(details || [], function (line) { list.appendChild(el("li", { text: line })); });
    show(list, details && details.length);
    var bar = $("banner-actions");
    clear(bar);
    each(actions || [], function (action) {
      var button = el("button", { type: "button", className: "btn btn-small", text: action.label });
      button.addEventListener("click", function () { action.run(); });
      bar.appendChild(button);
    });
    show(bar, actions && actions.length);
    show(box, true);
  }

  function hideBanner() { show($("banner"), false); }

  /* What went wrong, in words a writer can act on. */
  function explain(error, retry) {
    var actions = retry ? [{ label: "重试", run: function () { hideBanner(); retry(); } }] : [];
    if (error.kind === "network" || error.kind === "timeout") {
      banner("error", error.kind === "timeout" ? "表态发言服务长时间没有响应。" : "无法连接表态发言服务。", [
        "请确认服务已经启动（在服务器上运行 biaotai serve），并且本机能访问 " + location.protocol + "//" + location.host + "。",
        "服务地址或证书变了时，请联系管理员。"
      ], actions);
      return;
    }
    if (error.status === 401) {
      banner("error", error.message || "服务需要访问令牌。", ["请在窗格底部「连接设置」中填写管理员提供的访问令牌。"], [
        { label: "填写令牌", run: function () { openSettings(); $("token").focus(); } }
      ]);
      return;
    }
    if (error.code === "invalid_input") {
      var fields = markFields(error.problems || []);
      var lines = problemLines(error.problems, error.message);
      if (fields.length) {
        banner("warning", "请先补全单位信息：", lines, [{ label: "去填写", run: function () { focusField(fields[0]); } }]);
      } else {
        banner("warning", error.message, lines.length > 1 ? lines : [], actions);
      }
      return;
    }
    if (error.code === "library_error" || error.code === "library_unavailable") {
      banner("error", error.message, problemLines(error.problems, error.message).slice(0, 5).concat([
        "请联系段落库的编辑人员：在 Excel 中改正上面指出的单元格并保存（可运行 biaotai check 核对），服务会自动使用改好的段落库，无需重启。"
      ]), actions);
      return;
    }
    banner("error", error.message || "请求没有成功。", error.status ? ["HTTP " + error.status + (error.code ? "（" + error.code + "）" : "")] : [], actions);
  }

  function problemLines(problems, skip) {
    var lines = [];
    each(problems || [], function (p) {
      if (p.message && p.message !== skip && lines.indexOf(p.message) < 0) { lines.push(p.message); }
    });
    if (!lines.length && skip) { lines.push(skip); }
    return lines;
  }

  function warningLines(warnings) {
    var lines = [];
    each(warnings || [], function (w) {
      if (lines.indexOf(w.message) < 0) { lines.push(w.message); }
    });
    return lines;
  }

  // -------------------------------------------------------------------------------------------
  // The JSON API over XMLHttpRequest

  function api(method, path, body, options, done) {
    var xhr = new XMLHttpRequest();
    var finished = false;
    options = options || {};
    busy(1, options.label || "正在处理…");

    function finish(error, data) {
      if (finished) { return; }
      finished = true;
      state.connected = !error || error.kind === "http";
      busy(-1);
      done(error, data, xhr);
    }

    xhr.open(method, API + path, true);
    xhr.timeout = options.timeout || TIMEOUT_MS;
    if (options.binary) { xhr.responseType = "arraybuffer"; }
    xhr.setRequestHeader("Accept", options.binary ? DOCX_TYPE + ", application/json" : "application/json");
    var token = recall(TOKEN_KEY);
    if (token && /^[\x21-\x7e]+$/.test(token)) { xhr.setRequestHeader("X-Biaotai-Token", token); }
    xhr.onreadystatechange = function () {
      if (xhr.readyState !== 4) { return; }
      if (xhr.status === 0) { return; }  // onerror / ontimeout report it
      var ok = xhr.status >= 200 && xhr.status < 300;
      if (ok && options.binary) {
        finish(null, xhr.response);
        return;
      }
      var text = options.binary ? utf8Decode(new Uint8Array(xhr.response || new ArrayBuffer(0))) : xhr.responseText;
      var data = null;
      try { data = JSON.parse(text); } catch (e) { data = null; }
      if (ok && data !== null) {
        if (data.library_id) {
          if (state.libraryId && data.library_id !== state.libraryId && state.schema.length) {
            later("library", 0, libraryChanged);
          }
          state.libraryId = data.library_id;
        }
        finish(null, data);
      } else if (data && data.error) {
        finish({ kind: "http", status: xhr.status, code: data.error.code, message: data.error.message,
                 field: data.error.field, problems: data.error.problems || [] });
      } else {
        finish({ kind: "http", status: xhr.status, code: "unreadable",
                 message: "服务返回了无法识别的内容（HTTP " + xhr.status + "）。中间可能有代理或防火墙，请联系管理员。" });
      }
    };
    xhr.onerror = function () { finish({ kind: "network", status: 0 }); };
    xhr.ontimeout = function () { finish({ kind: "timeout", status: 0 }); };
    try {
      if (body !== null && body !== undefined) {
        xhr.setRequestHeader("Content-Type", "application/json");
        xhr.send(JSON.stringify(body));
      } else {
        xhr.send();
      }
    } catch (e) {
      finish({ kind: "network", status: 0 });
    }
  }

  function query(params) {
    var parts = [];
    var key;
    for (key in params) {
      if (params.hasOwnProperty(key) && params[key] !== null && params[key] !== undefined && params[key] !== "") {
        parts.push(encodeURIComponent(key) + "=" + encodeURIComponent(params[key]));
      }
    }
    return parts.length ? "?" + parts.join("&") : "";
  }

  function utf8Decode(bytes) {
    var escaped = "";
    for (var i = 0; i < bytes.length; i += 1) {
      escaped += "%" + (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
    }
    try { return decodeURIComponent(escaped); } catch (e) { return ""; }
  }

  // -------------------------------------------------------------------------------------------
  // Remembering: per document (Office settings) and per user (localStorage)

  function documentSettings() {
    if (!state.hasWord) { return null; }
    try { return Office.context.document.settings || null; } catch (e) { return null; }
  }

  function readSaved() {
    var settings = documentSettings();
    var saved = null;
    if (settings) {
      try { saved = settings.get(SETTINGS_KEY); } catch (e) { saved = null; }
    }
    if (saved && typeof saved === "object" && saved.values) {
      state.origin = "document";
      return saved;
    }
    var text = recall(DEFAULTS_KEY);
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
    return { v: 1, meeting: state.meeting, style: state.styleChosen ? state.style : null, values: copy(state.values),
             choices: copy(state.choices), order: state.order.slice(0), omit: omitted };
  }

  function scheduleSave() { later("save", 250, save); }

  function save() {
    var saved = snapshot();
    store(DEFAULTS_KEY, JSON.stringify({ meeting: saved.meeting, style: saved.style, values: saved.values }));
    var settings = documentSettings();
    if (!settings) { return; }
    try {
      settings.set(SETTINGS_KEY, saved);
      settings.saveAsync(function (result) {
        if (result && result.status === Office.AsyncResultStatus.Failed) {
          banner("warning", "单位信息没能保存到本文档中。", [
            (result.error && result.error.message) || "Word 拒绝了保存。",
            "文档是只读的或受保护时会这样；另存为可编辑的文档后再填写即可。"
          ]);
        }
      });
    } catch (e) {
      banner("warning", "单位信息没能保存到本文档中。", [String(e.message || e)]);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Start

  function boot() {
    bindStatic();
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

  function noHost(reason) {
    document.body.setAttribute("data-state", "no-host");
    $("no-host-reason").textContent = reason;
    $("busy-text").textContent = "未在 Word 中运行";
    show($("no-host"), true);
    show($("app"), false);
  }

  function start(hasWord) {
    state.hasWord = hasWord;
    document.body.setAttribute("data-state", "starting");
    document.body.setAttribute("data-host", hasWord ? "word" : "browser");
    show($("no-host"), false);
    show($("app"), true);
    state.restored = readSaved();
    if (state.restored) {
      state.values = copy(state.restored.values || {});
      if (state.restored.style) { state.style = state.restored.style; state.styleChosen = true; }
    }
    loadMeetings();
  }

  function loadMeetings() {
    api("GET", "meetings", null, { label: "正在连接段落库…" }, function (error, data) {
      if (error) { explain(error, loadMeetings); return; }
      state.meetings = data.meetings || [];
      state.styles = data.styles || [];
      if (!state.meetings.length) {
        banner("error", "段落库中没有会议类型。", ["请联系段落库编辑人员在「会议类型」工作表中添加。"]);
        return;
      }
      var wanted = state.restored && state.restored.meeting;
      var meeting = find(state.meetings, function (m) { return m.id === (wanted || state.meeting); }) || state.meetings[0];
      buildMeetingSelect();
      selectMeeting(meeting.id, true);
      $("service-info").textContent = "服务：" + location.protocol + "//" + location.host + "　段落库版本：" + (data.library_id || "");
    });
  }

  /* Editors saved a new version of the workbook: read meetings, variables and sections again,
     keeping what the writer has chosen (choices that no longer exist are dropped). */
  function libraryChanged() {
    state.restored = snapshot();
    banner("info", "段落库已更新，已重新读取会议类型和段落。");
    loadMeetings();
  }

  function buildMeetingSelect() {
    var select = $("meeting");
    clear(select);
    each(state.meetings, function (m) {
      select.appendChild(el("option", { value: m.id, text: m.name || m.id }));
    });
  }

  function meetingInfo() {
    var id = state.meeting;
    return find(state.meetings, function (m) { return m.id === id; });
  }

  function selectMeeting(id, keepRestored) {
    var restored = keepRestored && state.restored && state.restored.meeting === id ? state.restored : null;
    state.meeting = id;
    $("meeting").value = id;
    state.choices = restored && restored.choices ? copy(restored.choices) : {};
    state.omit = {};
    each(restored && restored.omit ? restored.omit : [], function (slot) { state.omit[slot] = true; });
    var points = [];
    each(meetingInfo().slots, function (s) { if (s.kind === "point") { points.push(s.slot); } });
    state.order = sameMembers(restored && restored.order, points) ? restored.order.slice(0) : points;
    if (!state.styleChosen) { state.style = meetingInfo().default_style; }
    state.speech = null;
    loadMeeting();
  }

  function sameMembers(list, points) {
    if (!list || list.length !== points.length) { return false; }
    for (var i = 0; i < points.length; i += 1) {
      if (list.indexOf(points[i]) < 0) { return false; }
    }
    return true;
  }

  function loadMeeting() {
    var meeting = state.meeting;
    var got = {};
    var failed = false;
    function both() {
      if (failed || !got.variables || !got.sections || meeting !== state.meeting) { return; }
      state.schema = got.variables.variables || [];
      state.unitTypes = got.variables.unit_types || {};
      state.sections = got.sections.sections || [];
      dropUnfitChoices();
      buildStyles();
      buildForm();
      buildSlotFilter();
      document.body.setAttribute("data-state", "ready");
      renderPlan();
      refreshPreview();
      refreshResults();
      scheduleSave();
    }
    function fail(error) {
      if (failed) { return; }
      failed = true;
      explain(error, loadMeeting);
    }
    api("GET", "variables" + query({ meeting: meeting }), null, { label: "正在读取变量…" }, function (error, data) {
      if (error) { fail(error); return; }
      got.variables = data;
      both();
    });
    api("GET", sectionsQuery({ limit: 5000 }), null, { label: "正在读取段落…" }, function (error, data) {
      if (error) { fail(error); return; }
      got.sections = data;
      both();
    });
  }

  // -------------------------------------------------------------------------------------------
  // Numbering style

  function buildStyles() {
    var box = $("styles");
    clear(box);
    each(state.styles, function (style) {
      var on = style === state.style;
      box.appendChild(el("button", {
        type: "button", className: "segment" + (on ? " segment-on" : ""), role: "radio",
        "aria-checked": on ? "true" : "false", "data-style": style, text: style
      }));
    });
  }

  function chooseStyle(style) {
    if (style === state.style) { return; }
    state.style = style;
    state.styleChosen = true;
    buildStyles();
    scheduleSave();
    refreshPreview();
    refreshResults();
  }

  // -------------------------------------------------------------------------------------------
  // The variables form

  function fieldId(key) {
    for (var i = 0; i < state.schema.length; i += 1) {
      if (state.schema[i].key === key) { return "var-" + i; }
    }
    return null;
  }

  function derivedValue(spec) {
    var unitType = state.values[UNIT_TYPE] || "";
    if (spec.derived_values) { return spec.derived_values[unitType] || ""; }
    var values = state.unitTypes[unitType];
    return values && values.hasOwnProperty(spec.key) ? values[spec.key] : "";
  }

  function buildForm() {
    var form = $("vars-form");
    clear(form);
    var group = null;
    var overridden = false;
    each(state.schema, function (spec, i) {
      if (spec.derived && !group) {
        group = el("div", { id: "derived-fields", className: "derived-fields" }, [
          el("p", { className: "note", text: "选择单位类型后自动填好；需要时在框中改写，清空即恢复自动值。" })
        ]);
        form.appendChild(el("div", { className: "derived-group" }, [
          el("button", { type: "button", id: "derived-toggle", className: "group-toggle", "aria-expanded": "false",
                         "aria-controls": "derived-fields" }, [
            el("span", { className: "chevron", "aria-hidden": "true" }), "由单位类型推导（可改写）"
          ]),
          el("p", { id: "derived-summary", className: "derived-summary" }),
          group
        ]));
      }
      if (spec.derived && state.values[spec.key]) { overridden = true; }
      (spec.derived ? group : form).appendChild(buildField(spec, i));
    });
    if (group) { showDerived(overridden); }
    updateDerived();
    updateMissing();
    var origin = $("vars-origin");
    origin.textContent = state.origin === "document" ? "已恢复本文档保存的单位信息。"
      : state.origin === "defaults" ? "新文档：已填入您上次使用的单位信息，请核对。" : "请填写单位信息，发言中的称谓、名称都由这里得来。";
  }

  function buildField(spec, i) {
    var id = "var-" + i;
    var label = el("label", { "for": id, className: "label" }, [
      spec.label || spec.key,
      spec.required ? el("span", { className: "req", title: "必填", "aria-hidden": "true", text: " *" }) : null
    ]);
    var input;
    var value = state.values.hasOwnProperty(spec.key) ? state.values[spec.key] : "";
    if (spec.choices && spec.choices.length) {
      input = el("select", { id: id, className: "input", "data-key": spec.key, "aria-required": spec.required ? "true" : null });
      input.appendChild(el("option", { value: "", text: spec.derived ? "（自动）" : "请选择" }));
      each(spec.choices, function (choice) { input.appendChild(el("option", { value: choice, text: choice })); });
      if (value && spec.choices.indexOf(value) < 0) { input.appendChild(el("option", { value: value, text: value })); }
      input.value = value;
    } else {
      input = el("input", {
        id: id, type: "text", className: "input", "data-key": spec.key, maxlength: 500,
        "aria-required": spec.required ? "true" : null,
        placeholder: spec.derived ? "" : (spec.example ? "例如：" + spec.example : "")
      });
      input.value = value;
    }
    input.setAttribute("aria-describedby", id + "-help " + id + "-error");
    var parts = [label, input];
    if (spec.derived) {
      parts.push(el("div", { id: id + "-derived", className: "derived", "aria-live": "polite" }));
    }
    parts.push(el("div", { id: id + "-help", className: "help", text: spec.help || "" }));
    parts.push(el("div", { id: id + "-error", className: "field-error", hidden: true }));
    return el("div", { className: "field" + (spec.derived ? " field-derived" : ""), "data-field": spec.key }, parts);
  }

  function showDerived(open) {
    show($("derived-fields"), open);
    $("derived-toggle").setAttribute("aria-expanded", open ? "true" : "false");
    $("derived-toggle").className = "group-toggle" + (open ? " group-toggle-open" : "");
  }

  function updateDerived() {
    var summary = [];
    each(state.schema, function (spec, i) {
      if (!spec.derived) { return; }
      var shown = state.values[spec.key] || derivedValue(spec);
      if (shown) { summary.push(shown); }
      var auto = derivedValue(spec);
      var input = $("var-" + i);
      var note = $("var-" + i + "-derived");
      var typed = state.values[spec.key];
      if (input.tagName === "INPUT") { input.setAttribute("placeholder", auto); }
      note.textContent = !state.values[UNIT_TYPE] ? "选择单位类型后自动填写"
        : typed ? "已改写；自动值为「" + (auto || "空") + "」，清空即恢复"
        : "自动：" + (auto ? "「" + auto + "」" : "（空）");
    });
    var line = $("derived-summary");
    if (line) {
      line.textContent = !state.values[UNIT_TYPE] ? "选择单位类型后自动填写自称、全体等称谓。"
        : "按「" + state.values[UNIT_TYPE] + "」：" + summary.join("、");
    }
  }

  function missingFields() {
    var missing = [];
    each(state.schema, function (spec) {
      if (spec.required && !trimmed(state.values[spec.key])) { missing.push(spec); }
    });
    return missing;
  }

  function trimmed(value) { return value ? String(value).replace(/^\s+|\s+$/g, "") : ""; }

  function updateMissing() {
    var count = missingFields().length;
    var badge = $("missing-count");
    badge.textContent = String(count);
    badge.setAttribute("title", count ? "还有 " + count + " 项必填未填" : "");
    show(badge, count > 0);
  }

  function onValue(input) {
    var key = input.getAttribute("data-key");
    var value = input.value;
    if (value) { state.values[key] = value; } else { delete state.values[key]; }
    setFieldError(key, "");
    if (key === UNIT_TYPE) { reloadSections(); }
    updateDerived();
    updateMissing();
    scheduleSave();
    later("preview", 500, function () { refreshPreview(); refreshResults(); });
  }

  function setFieldError(key, message) {
    var id = fieldId(key);
    if (!id) { return false; }
    var box = $(id + "-error");
    box.textContent = message;
    show(box, !!message);
    if (message) { $(id).setAttribute("aria-invalid", "true"); } else { $(id).removeAttribute("aria-invalid"); }
    return true;
  }

  function markFields(problems) {
    var fields = [];
    each(problems, function (p) {
      if (p.severity !== "warning" && p.field && setFieldError(p.field, p.message)) { fields.push(p.field); }
    });
    return fields;
  }

  function focusField(key) {
    selectTab("panel-info");
    var id = fieldId(key);
    if (id) { $(id).focus(); }
  }

  /* The values the service gets: the writer's, for this meeting's variables only. */
  function givenValues() {
    var given = {};
    each(state.schema, function (spec) {
      var value = trimmed(state.values[spec.key]);
      if (value) { given[spec.key] = value; }
    });
    return given;
  }

  // -------------------------------------------------------------------------------------------
  // The speech as the writer keeps it: slots, variants, points in order

  /* Whether a variant suits the chosen unit type: the service decides (sections?unit_type=). */
  function fits(section) {
    return section.fits !== false;
  }

  function sectionsQuery(extra) {
    var params = { meeting: state.meeting, unit_type: state.values[UNIT_TYPE] || "" };
    var key;
    for (key in extra) { if (extra.hasOwnProperty(key)) { params[key] = extra[key]; } }
    return "sections" + query(params);
  }

  /* The unit type changed: ask again which variants suit it, then drop choices that no longer do. */
  var sectionsSeq = 0;
  function reloadSections() {
    var seq = sectionsSeq += 1;
    var meeting = state.meeting;
    api("GET", sectionsQuery({ limit: 5000 }), null, { label: "正在读取段落…" }, function (error, data) {
      if (seq !== sectionsSeq || meeting !== state.meeting) { return; }
      if (error) { explain(error, reloadSections); return; }
      state.sections = data.sections || [];
      dropUnfitChoices();
      renderPlan();
      scheduleSave();
    });
  }

  function variants(slot) {
    var list = [];
    each(state.sections, function (s) { if (s.slot === slot && fits(s)) { list.push(s); } });
    return list;
  }

  function sectionById(id) {
    return find(state.sections, function (s) { return s.id === id; });
  }

  function dropUnfitChoices() {
    var slot;
    for (slot in state.choices) {
      if (state.choices.hasOwnProperty(slot)) {
        var section = sectionById(state.choices[slot]);
        if (!section || !fits(section) || section.slot !== slot) { delete state.choices[slot]; }
      }
    }
  }

  function planSlots() {
    var before = [];
    var after = [];
    var seenPoint = false;
    each(meetingInfo().slots, function (s) {
      if (s.kind === "point") { seenPoint = true; } else if (seenPoint) { after.push(s.slot); } else { before.push(s.slot); }
    });
    return before.concat(state.order, after);
  }

  function isPoint(slot) { return state.order.indexOf(slot) >= 0; }

  function keptPoints() {
    var kept = [];
    each(state.order, function (slot) { if (!state.omit[slot]) { kept.push(slot); } });
    return kept;
  }

  /* A point's number: its position among the points kept (where it would stand if left out). */
  function pointNumber(slot) {
    if (!isPoint(slot)) { return null; }
    var number = 0;
    for (var i = 0; i < state.order.length; i += 1) {
      if (state.order[i] === slot) { return number + 1; }
      if (!state.omit[state.order[i]]) { number += 1; }
    }
    return null;
  }

  function speechPart(slot) {
    if (!state.speech) { return null; }
    return find(state.speech.parts || [], function (p) { return p.slot === slot; });
  }

  function currentSectionId(slot) {
    if (state.choices[slot]) { return state.choices[slot]; }
    var part = speechPart(slot);
    if (part) { return part.section_id; }
    var list = variants(slot);
    return list.length ? list[0].id : null;
  }

  function slotTitle(slot) {
    if (!isPoint(slot)) { return slot; }
    return state.omit[slot] ? "不用（" + slot + "）" : "第 " + pointNumber(slot) + " 点";
  }

  function speechBody() {
    var omitted = [];
    each(state.order, function (slot) { if (state.omit[slot]) { omitted.push(slot); } });
    var body = { meeting: state.meeting, variables: givenValues(), style: state.style, order: state.order.slice(0) };
    if (omitted.length) { body.omit = omitted; }
    var choices = {};
    var any = false;
    var slot;
    for (slot in state.choices) {
      if (state.choices.hasOwnProperty(slot) && !state.omit[slot]) { choices[slot] = state.choices[slot]; any = true; }
    }
    if (any) { body.choices = choices; }
    return body;
  }

  /* Raw library text, shown greyed while the values needed to render it are missing. */
  function rawPreview(section) {
    var text = (section.heading ? section.heading + "　" : "") + (section.preview || "");
    text = text.replace(/\{%-?[\s\S]*?-?%\}/g, "").replace(/\{\{-?\s*([^}\s|]+)[^}]*\}\}/g, function (m, key) {
      var spec = find(state.schema, function (s) { return s.key === key; });
      return "〔" + (spec && spec.label ? spec.label : key) + "〕";
    });
    return shorten(text, PREVIEW_CHARS);
  }

  function refreshPreview() {
    if (!state.meeting || !state.schema.length) { return; }
    var seq = previewSeq += 1;
    if (missingFields().length) {
      state.speech = null;
      state.speechError = { code: "invalid_input", missing: true };
      renderPlan();
      renderFull();
      return;
    }
    api("POST", "speech", speechBody(), { label: "正在生成预览…" }, function (error, data) {
      if (seq !== previewSeq) { return; }
      if (error) {
        state.speech = null;
        state.speechError = error;
        if (error.code !== "invalid_input") { explain(error, refreshPreview); } else { markFields(error.problems || []); }
      } else {
        state.speech = data;
        state.speechError = null;
        if ($("banner").getAttribute("data-kind") === "error" && !$("banner").hasAttribute("hidden")) { hideBanner(); }
      }
      renderPlan();
      renderFull();
    });
  }

  function renderPlan() {
    var list = $("plan");
    clear(list);
    var missing = missingFields();
    var hint = $("parts-hint");
    if (missing.length) {
      hint.textContent = "填好单位信息后显示实际文字（还缺：" + labels(missing).join("、") + "）。";
    } else if (state.speechError && state.speechError.code === "invalid_input") {
      hint.textContent = state.speechError.message || "";
    } else {
      hint.textContent = "按发言顺序列出各部分。「换一个」更换段落，「插入段落」把该部分插入到光标处，要点按在本篇中的位置编号。";
    }
    var kept = keptPoints().length;
    each(planSlots(), function (slot) {
      var all = variants(slot);
      var id = currentSectionId(slot);
      var section = id ? sectionById(id) : null;
      var part = speechPart(slot);
      var point = isPoint(slot);
      var omitted = point && !!state.omit[slot];
      var index = section ? all.indexOf(section) : -1;
      var text = part && part.section_id === id ? excerpt(part.text, PREVIEW_CHARS)
        : section ? rawPreview(section) : "段落库中没有适用于此单位类型的段落。";
      var actions = [
        el("button", { type: "button", className: "btn btn-small", "data-action": "next",
                       disabled: all.length < 2 || omitted, title: all.length < 2 ? "这一部分只有一段可选" : "换用这一部分的下一段" }, ["换一个"]),
        el("button", { type: "button", className: "btn btn-small btn-primary", "data-action": "insert",
                       disabled: !section || !state.hasWord, title: state.hasWord ? "插入到光标处" : "在 Word 中才能插入" }, ["插入段落"])
      ];
      if (point) {
        var at = state.order.indexOf(slot);
        actions.push(el("button", { type: "button", className: "btn btn-icon", "data-action": "up", disabled: at === 0,
                                    title: "上移", "aria-label": "上移" }, ["↑"]));
        actions.push(el("button", { type: "button", className: "btn btn-icon", "data-action": "down",
                                    disabled: at === state.order.length - 1, title: "下移", "aria-label": "下移" }, ["↓"]));
        actions.push(el("button", { type: "button", className: "btn btn-small btn-quiet", "data-action": "omit",
                                    disabled: !omitted && kept < 2, title: omitted ? "重新用上这一点" : "本篇不用这一点" },
                        [omitted ? "恢复" : "不用"]));
      }
      list.appendChild(el("li", { className: "card" + (omitted ? " card-off" : ""), "data-slot": slot, "data-section": id }, [
        el("div", { className: "card-head" }, [
          el("span", { className: "card-title", text: slotTitle(slot) }),
          el("span", { className: "card-meta", text: all.length ? (index + 1) + "/" + all.length + "　" + (id || "") : "" })
        ]),
        el("p", { className: "preview" + (part && part.section_id === id ? "" : " preview-raw"), title: part ? part.text : "", text: text }),
        el("div", { className: "card-actions" }, actions)
      ]));
    });
  }

  function labels(specs) {
    var names = [];
    each(specs, function (s) { names.push(s.label || s.key); });
    return names;
  }

  function onPlanClick(event) {
    var button = closest(event.target, "data-action", $("plan"));
    if (!button || button.disabled) { return; }
    var card = closest(button, "data-slot", $("plan"));
    var slot = card.getAttribute("data-slot");
    var action = button.getAttribute("data-action");
    if (action === "insert") {
      insertSection(card.getAttribute("data-section"), slot);
      return;
    }
    if (action === "next") {
      var all = variants(slot);
      var at = all.indexOf(sectionById(currentSectionId(slot)));
      state.choices[slot] = all[(at + 1) % all.length].id;
    } else if (action === "up" || action === "down") {
      var from = state.order.indexOf(slot);
      var to = action === "up" ? from - 1 : from + 1;
      state.order.splice(from, 1);
      state.order.splice(to, 0, slot);
    } else if (action === "omit") {
      if (state.omit[slot]) { delete state.omit[slot]; } else { state.omit[slot] = true; }
    }
    scheduleSave();
    renderPlan();
    refreshPreview();
    refreshResults();
  }

  // -------------------------------------------------------------------------------------------
  // The section browser: one slot's variants, or a search across the meeting's sections

  function buildSlotFilter() {
    var select = $("slot-filter");
    var was = select.value;
    clear(select);
    select.appendChild(el("option", { value: "", text: "本篇发言" }));
    each(meetingInfo().slots, function (s) {
      select.appendChild(el("option", { value: s.slot, text: s.slot + "（" + variants(s.slot).length + " 段）" }));
    });
    select.value = find(meetingInfo().slots, function (s) { return s.slot === was; }) ? was : "";
  }

  function refreshResults() {
    var q = trimmed($("search").value);
    var slot = $("slot-filter").value;
    var browsing = !!(q || slot);
    show($("plan"), !browsing);
    show($("results"), browsing);
    var seq = resultsSeq += 1;
    if (!browsing || !state.meeting) {
      if (state.meeting && state.schema.length) { renderPlan(); }
      return;
    }
    var list = $("results");
    api("GET", sectionsQuery({ slot: slot, q: q, limit: 200 }), null, { label: "正在搜索…" },
      function (error, data) {
        if (seq !== resultsSeq) { return; }
        if (error) { explain(error, refreshResults); return; }
        clear(list);
        var found = data.sections || [];
        $("parts-hint").textContent = found.length ? "找到 " + data.total + " 段" + (found.length > RESULT_LIMIT ? "，显示前 " + RESULT_LIMIT + " 段，请缩小范围" : "")
          + "。「选用」换入本篇，「插入段落」直接插入到光标处。" : "没有找到" + (q ? "含「" + q + "」的" : "") + "段落。";
        var shown = found.slice(0, RESULT_LIMIT);
        each(shown, function (s) { list.appendChild(resultCard(s)); });
        renderResultPreviews(shown, seq);
      });
  }

  function resultCard(section) {
    var fit = fits(section);
    var chosen = currentSectionId(section.slot) === section.id && !state.omit[section.slot];
    var title = (isPoint(section.slot) ? section.slot + " · " + slotTitle(section.slot) : section.slot);
    return el("li", { className: "card" + (fit ? "" : " card-off"), "data-section": section.id, "data-slot": section.slot }, [
      el("div", { className: "card-head" }, [
        el("span", { className: "card-title", text: title }),
        el("span", { className: "card-meta", text: (chosen ? "本篇所用　" : "") + section.id })
      ]),
      el("p", { className: "preview preview-raw", text: rawPreview(section) }),
      fit ? null : el("p", { className: "note", text: "只适用于：" + section.unit_types.join("、") }),
      el("div", { className: "card-actions" }, [
        el("button", { type: "button", className: "btn btn-small", "data-action": "choose", disabled: !fit || chosen }, [chosen ? "已选用" : "选用"]),
        el("button", { type: "button", className: "btn btn-small btn-primary", "data-action": "insert",
                       disabled: !fit || !state.hasWord, title: state.hasWord ? "插入到光标处" : "在 Word 中才能插入" }, ["插入段落"])
      ])
    ]);
  }

  /* Each entry rendered by the service with the current values, two requests at a time. */
  function renderResultPreviews(sections, seq) {
    var queue = sections.slice(0);
    var values = givenValues();
    function next() {
      if (seq !== resultsSeq || !queue.length) { return; }
      var section = queue.shift();
      var body = renderBody(section, values);
      body.docx = false; // a preview needs the text only, not the Word fragment
      api("POST", "sections/" + encodeURIComponent(section.id) + "/render", body,
        { label: "正在生成预览…" }, function (error, data) {
          if (seq !== resultsSeq) { return; }
          var card = resultCardFor(section.id);
          if (card && !error) {
            var preview = card.getElementsByTagName("p")[0];
            preview.className = "preview";
            preview.textContent = excerpt(data.text, PREVIEW_CHARS);
            preview.setAttribute("title", data.text);
          } else if (card && error && error.kind !== "http") {
            explain(error, refreshResults);
            return;
          }
          next();
        });
    }
    next();
    next();
  }

  function resultCardFor(id) {
    var cards = $("results").getElementsByTagName("li");
    for (var i = 0; i < cards.length; i += 1) {
      if (cards[i].getAttribute("data-section") === id) { return cards[i]; }
    }
    return null;
  }

  function renderBody(section, values) {
    var body = { meeting: state.meeting, variables: values || givenValues(), style: state.style };
    var number = pointNumber(section.slot);
    if (number) { body.number = number; }
    return body;
  }

  function onResultsClick(event) {
    var button = closest(event.target, "data-action", $("results"));
    if (!button || button.disabled) { return; }
    var card = closest(button, "data-section", $("results"));
    var id = card.getAttribute("data-section");
    var slot = card.getAttribute("data-slot");
    if (button.getAttribute("data-action") === "insert") {
      insertSection(id, slot);
      return;
    }
    state.choices[slot] = id;
    delete state.omit[slot];
    scheduleSave();
    banner("info", "已选用「" + id + "」作为" + (isPoint(slot) ? slotTitle(slot) + "（" + slot + "）" : "「" + slot + "」") + "。");
    refreshPreview();
    refreshResults();
  }

  // -------------------------------------------------------------------------------------------
  // Into the document

  function beginAction() {
    if (acting) { return false; }
    acting = true;
    document.body.setAttribute("data-acting", "1");
    return true;
  }

  function endAction() {
    acting = false;
    document.body.removeAttribute("data-acting");
  }

  function insertSection(id, slot) {
    if (!state.hasWord) {
      banner("warning", "在浏览器中不能插入到文档。", ["请在 Word 的「开始」选项卡中点击「表态发言助手」打开本窗格。"]);
      return;
    }
    if (!id || !beginAction()) { return; }
    var section = sectionById(id);
    var body = renderBody(section || { slot: slot });
    api("POST", "sections/" + encodeURIComponent(id) + "/render", body, { label: "正在生成段落…" }, function (error, part) {
      if (error) { endAction(); explain(error, function () { insertSection(id, slot); }); return; }
      busy(1, "正在插入…");
      insertDocx(part.docx_base64, part.blocks || [], function (failure, fallbackReason) {
        busy(-1);
        endAction();
        if (failure) { insertFailed(failure); return; }
        var what = part.number ? "第 " + part.number + " 点（" + part.slot + "，编号样式「" + (part.style || state.style) + "」）" : "「" + part.slot + "」";
        var details = ["内容：" + shorten(part.text, 60), "段落编号：" + part.section_id];
        if (fallbackReason) {
          details.push("Word 没能插入带格式的内容（" + fallbackReason + "），已改为插入纯文字，并设为仿宋_GB2312 三号；请核对格式。");
        }
        var warnings = warningLines(part.warnings);
        if (warnings.length) { details = details.concat(["请注意："], warnings); }
        banner(fallbackReason || warnings.length ? "warning" : "success", "已在光标处插入" + what + "。", details);
      });
    });
  }

  function insertFailed(failure) {
    banner("error", "没能插入到文档。", [
      describeOfficeError(failure),
      "请把光标放在正文中（不要选中表格、页眉或文本框），确认文档不是只读的，再试一次；仍不行时可用「全文」中的「下载 .docx」。"
    ]);
  }

  function describeOfficeError(error) {
    if (!error) { return "未知错误"; }
    return (error.code ? error.code + "：" : "") + (error.message || String(error));
  }

  /* Formatted insert (the service's .docx) at the cursor; where Word refuses it, plain paragraphs
     with the body font. done(failure, fallbackReason). */
  function insertDocx(base64, blocks, done) {
    Word.run(function (context) {
      var range = context.document.getSelection().insertFileFromBase64(base64, "Replace");
      range.select("End");
      return context.sync();
    }).then(function () {
      done(null, null);
    }, function (error) {
      var reason = describeOfficeError(error);
      insertBlocks(blocks, function (failure) { done(failure, failure ? null : reason); });
    });
  }

  function insertBlocks(blocks, done) {
    if (!blocks.length) { done({ message: "没有可插入的内容" }); return; }
    Word.run(function (context) {
      var selection = context.document.getSelection();
      each(blocks, function (block) {
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

  function generate() {
    if (!state.hasWord) {
      banner("warning", "在浏览器中不能插入到文档。", ["可以用「下载 .docx」得到整篇发言。"]);
      return;
    }
    if (!beginAction()) { return; }
    var body = speechBody();
    body.docx = true; // the text, the warnings and the Word file in one request
    api("POST", "speech", body, { label: "正在组稿…" }, function (error, speech) {
      if (error) { endAction(); explain(error, generate); return; }
      state.speech = speech;
      renderFull();
      busy(1, "正在插入…");
      insertDocx(speech.docx_base64, speechBlocks(speech), function (failure, fallbackReason) {
        busy(-1);
        endAction();
        if (failure) { insertFailed(failure); return; }
        var details = ["《" + speech.title + "》，约 " + speech.characters + " 字，约 " + speech.minutes + " 分钟。"];
        if (fallbackReason) {
          details.push("Word 没能插入带格式的文档（" + fallbackReason + "），已改为插入纯文字；页面设置请用「下载 .docx」。");
        }
        var warnings = warningLines(speech.warnings);
        if (warnings.length) { details = details.concat(["请注意："], warnings); }
        banner(fallbackReason || warnings.length ? "warning" : "success", "已在光标处插入全文。", details);
      });
    });
  }

  function speechBlocks(speech) {
    var blocks = [{ kind: "title", text: speech.title, lead: "" }];
    if (speech.speaker_line) { blocks.push({ kind: "speaker", text: speech.speaker_line, lead: "" }); }
    each(speech.parts || [], function (part) { blocks = blocks.concat(part.blocks || []); });
    return blocks;
  }

  function download() {
    if (!beginAction()) { return; }
    api("POST", "speech.docx", speechBody(), { binary: true, label: "正在生成文档…" }, function (error, buffer, xhr) {
      endAction();
      if (error) { explain(error, download); return; }
      var name = fileName(xhr.getResponseHeader("Content-Disposition")) || "表态发言.docx";
      var blob = new Blob([buffer], { type: DOCX_TYPE });
      if (window.navigator && window.navigator.msSaveOrOpenBlob) {
        window.navigator.msSaveOrOpenBlob(blob, name);
      } else {
        var url = URL.createObjectURL(blob);
        var link = el("a", { href: url, download: name, className: "offscreen" });
        document.body.appendChild(link);
        link.click();
        setTimeout(function () { document.body.removeChild(link); URL.revokeObjectURL(url); }, 1000);
      }
      banner("success", "已下载「" + name + "」。", ["如果没有看到保存提示，请查看浏览器的下载列表。"]);
    });
  }

  function fileName(disposition) {
    if (!disposition) { return ""; }
    var utf8 = /filename\*=UTF-8''([^;]+)/i.exec(disposition);
    if (utf8) {
      try { return decodeURIComponent(utf8[1]); } catch (e) { /* fall through */ }
    }
    var plain = /filename="?([^";]+)"?/i.exec(disposition);
    return plain ? plain[1] : "";
  }

  function renderFull() {
    var box = $("full-summary");
    var list = $("full-warnings");
    clear(box);
    clear(list);
    var speech = state.speech;
    if (!speech) {
      var missing = missingFields();
      box.appendChild(el("p", { className: "note", text: missing.length
        ? "填好单位信息后可生成全文（还缺：" + labels(missing).join("、") + "）。"
        : (state.speechError && state.speechError.message) || "正在准备…" }));
      return;
    }
    box.appendChild(el("p", { className: "summary-title", text: speech.title }));
    if (speech.speaker_line) { box.appendChild(el("p", { className: "summary-speaker", text: speech.speaker_line })); }
    var points = 0;
    each(speech.parts || [], function (p) { if (p.kind === "point") { points += 1; } });
    box.appendChild(el("p", { className: "summary-stats",
      text: "约 " + speech.characters + " 字 · 约 " + speech.minutes + " 分钟 · " + points + " 个要点 · 编号「" + speech.style + "」" }));
    each(warningLines(speech.warnings), function (line) { list.appendChild(el("li", { text: line })); });
  }

  // -------------------------------------------------------------------------------------------
  // Wiring

  function selectTab(panelId) {
    var tabs = document.querySelectorAll(".pivot-tab");
    each(tabs, function (tab) {
      var on = tab.getAttribute("data-panel") === panelId;
      tab.setAttribute("aria-selected", on ? "true" : "false");
      tab.className = "pivot-tab" + (on ? " pivot-tab-on" : "");
      show($(tab.getAttribute("data-panel")), on);
    });
  }

  function openSettings() {
    show($("settings-body"), true);
    $("settings-toggle").setAttribute("aria-expanded", "true");
  }

  function bindStatic() {
    $("banner-close").addEventListener("click", hideBanner);
    $("btn-browser").addEventListener("click", function () { start(false); });
    $("meeting").addEventListener("change", function () { selectMeeting($("meeting").value, false); scheduleSave(); });
    $("styles").addEventListener("click", function (event) {
      var button = closest(event.target, "data-style", $("styles"));
      if (button) { chooseStyle(button.getAttribute("data-style")); }
    });
    each(document.querySelectorAll(".pivot-tab"), function (tab) {
      tab.addEventListener("click", function () { selectTab(tab.getAttribute("data-panel")); });
    });
    var form = $("vars-form");
    form.addEventListener("input", function (event) { if (event.target.getAttribute("data-key")) { onValue(event.target); } });
    form.addEventListener("change", function (event) { if (event.target.getAttribute("data-key")) { onValue(event.target); } });
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    form.addEventListener("click", function (event) {
      if (closest(event.target, "aria-controls", form)) {
        showDerived($("derived-fields").hasAttribute("hidden"));
      }
    });
    $("search").addEventListener("input", function () { later("search", 300, refreshResults); });
    $("search").addEventListener("keydown", function (event) {
      if (event.keyCode === 13) { event.preventDefault(); later("search", 0, refreshResults); }
    });
    $("slot-filter").addEventListener("change", refreshResults);
    $("plan").addEventListener("click", onPlanClick);
    $("results").addEventListener("click", onResultsClick);
    $("btn-generate").addEventListener("click", generate);
    $("btn-download").addEventListener("click", download);
    $("settings-toggle").addEventListener("click", function () {
      var open = $("settings-body").hasAttribute("hidden");
      show($("settings-body"), open);
      $("settings-toggle").setAttribute("aria-expanded", open ? "true" : "false");
    });
    $("token").value = recall(TOKEN_KEY) || "";
    $("token").addEventListener("change", function () {
      var token = trimmed($("token").value);
      if (token && !/^[\x21-\x7e]+$/.test(token)) {
        banner("warning", "访问令牌只能由英文字母、数字和符号组成。", ["请按管理员给出的令牌原样填写（不含汉字和空格）。"]);
        return;
      }
      store(TOKEN_KEY, token || null);
      hideBanner();
      if (state.meetings.length) { loadMeeting(); } else { loadMeetings(); }
    });
    selectTab("panel-info");
  }

  boot();
}());
