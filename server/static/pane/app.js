/*
 * The pane's life: start on a host, read the library's meetings, variables and sections, follow a
 * library the editors updated, and wire the page's controls. Controls a page does not have (the
 * full-window page has no tabs, a pane has no full text) are simply not wired.
 */
(function (P) {
  "use strict";

  var $ = P.$, el = P.el, clear = P.clear, show = P.show, each = P.each, find = P.find, copy = P.copy;
  var closest = P.closest, later = P.later, on = P.on;
  var state = P.state;

  /* Start the pane on `host` (an adapter: taskpane/taskpane.js, wps/pane.js, page/page.js). The
     host calls back start(canInsert) when the pane can run, or noHost(reason) when it cannot. */
  function boot(host) {
    state.host = host;
    bindStatic();
    host.boot(start, noHost);
  }

  function noHost(reason) {
    document.body.setAttribute("data-state", "no-host");
    $("no-host-reason").textContent = reason;
    $("busy-text").textContent = "未在 " + state.host.label + " 中运行";
    show($("no-host"), true);
    show($("app"), false);
  }

  function start(canInsert) {
    state.canInsert = canInsert;
    document.body.setAttribute("data-state", "starting");
    document.body.setAttribute("data-host", canInsert ? state.host.name : "browser");
    show($("no-host"), false);
    show($("app"), true);
    state.restored = P.readSaved();
    if (state.restored) {
      state.values = copy(state.restored.values || {});
      if (state.restored.style) { state.style = state.restored.style; state.styleChosen = true; }
    }
    loadMeetings();
    if (state.host.started) { state.host.started(); }
  }

  function loadMeetings() {
    P.api("GET", "meetings", null, { label: "正在连接段落库…" }, function (error, data) {
      if (error) { P.explain(error, loadMeetings); return; }
      state.meetings = data.meetings || [];
      state.styles = data.styles || [];
      buildLengthSelect(data.lengths || []);
      if (!state.meetings.length) {
        P.banner("error", "段落库中没有会议类型。", ["请联系段落库编辑人员在「会议类型」工作表中添加。"]);
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
    state.restored = P.snapshot();
    P.banner("info", "段落库已更新，已重新读取会议类型和段落。");
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
    state.seed = restored && typeof restored.seed === "number" ? restored.seed : null;
    state.length = restored && typeof restored.length === "string" ? restored.length : "";
    if ($("length")) { $("length").value = state.length; }
    state.shown = restored && restored.shown ? copy(restored.shown) : {};
    state.swapping = null;
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
      P.dropUnfitChoices();
      P.buildStyles();
      P.buildForm();
      P.buildSlotFilter();
      document.body.setAttribute("data-state", "ready");
      P.renderPlan();
      P.refreshPreview();
      P.refreshResults();
      P.scheduleSave();
    }
    function fail(error) {
      if (failed) { return; }
      failed = true;
      P.explain(error, loadMeeting);
    }
    P.api("GET", "variables" + P.query({ meeting: meeting }), null, { label: "正在读取变量…" }, function (error, data) {
      if (error) { fail(error); return; }
      got.variables = data;
      both();
    });
    P.api("GET", P.sectionsQuery(), null, { label: "正在读取段落…" }, function (error, data) {
      if (error) { fail(error); return; }
      got.sections = data;
      both();
    });
  }


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

  /* 篇幅: the presets the service defines (length.py); the choice is sent as `length`. */
  function buildLengthSelect(lengths) {
    var select = $("length");
    if (!select) { return; }
    select.options.length = 1;  // keep 按段落库, drop the presets of a former answer
    each(lengths, function (name) { select.appendChild(el("option", { value: name, text: name })); });
    select.value = lengths.indexOf(state.length) >= 0 ? state.length : "";
  }

  function bindStatic() {
    $("banner-close").addEventListener("click", P.hideBanner);
    on("btn-browser", "click", function () { start(false); });
    $("meeting").addEventListener("change", function () { P.selectMeeting($("meeting").value, false); P.scheduleSave(); });
    on("length", "change", function () { state.length = $("length").value; P.scheduleSave(); P.refreshPreview(); });
    $("styles").addEventListener("click", function (event) {
      var button = closest(event.target, "data-style", $("styles"));
      if (button) { P.chooseStyle(button.getAttribute("data-style")); }
    });
    each(document.querySelectorAll(".pivot-tab"), function (tab) {
      tab.addEventListener("click", function () { selectTab(tab.getAttribute("data-panel")); });
    });
    var form = $("vars-form");
    form.addEventListener("input", function (event) { if (event.target.getAttribute("data-key")) { P.onValue(event.target); } });
    form.addEventListener("change", function (event) { if (event.target.getAttribute("data-key")) { P.onValue(event.target); } });
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    form.addEventListener("click", function (event) {
      if (closest(event.target, "aria-controls", form)) {
        P.showDerived($("derived-fields").hasAttribute("hidden"));
      }
    });
    $("search").addEventListener("input", function () { later("search", 300, P.refreshResults); });
    $("search").addEventListener("keydown", function (event) {
      if (event.keyCode === 13) { event.preventDefault(); later("search", 0, P.refreshResults); }
    });
    $("slot-filter").addEventListener("change", P.refreshResults);
    $("plan").addEventListener("click", P.onPlanClick);
    $("results").addEventListener("click", P.onResultsClick);
    on("btn-generate", "click", P.generate);
    on("btn-download", "click", P.download);
    each(P.binders || [], function (bind) { bind(); });  // the full text and 检查提法, where a page has them
    $("settings-toggle").addEventListener("click", function () {
      var open = $("settings-body").hasAttribute("hidden");
      show($("settings-body"), open);
      $("settings-toggle").setAttribute("aria-expanded", open ? "true" : "false");
    });
    $("token").value = P.recall(P.TOKEN_KEY) || "";
    $("token").addEventListener("change", function () {
      var token = P.trimmed($("token").value);
      if (token && !/^[\x21-\x7e]+$/.test(token)) {
        P.banner("warning", "访问令牌只能由英文字母、数字和符号组成。", ["请按管理员给出的令牌原样填写（不含汉字和空格）。"]);
        return;
      }
      P.store(P.TOKEN_KEY, token || null);
      P.hideBanner();
      if (state.meetings.length) { P.loadMeeting(); } else { P.loadMeetings(); }
    });
    selectTab("panel-info");
  }

  P.loadMeetings = loadMeetings;
  P.libraryChanged = libraryChanged;
  P.meetingInfo = meetingInfo;
  P.selectMeeting = selectMeeting;
  P.loadMeeting = loadMeeting;
  P.selectTab = selectTab;
  P.openSettings = openSettings;
  P.boot = boot;
}(window.biaotaiPane = window.biaotaiPane || {}));
