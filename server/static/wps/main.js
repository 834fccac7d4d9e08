/*
 * 表态发言助手, the WPS add-in's ribbon: the functions ribbon.xml names (onLoad, onAction, getImage).
 *
 * WPS loads index.html (hidden) with this script and calls window.ribbon.* with its object model
 * in window.Application (older WPS: wps.WpsApplication()). The buttons only open the pane and say
 * what was asked (in Application.PluginStorage, which the add-in's pages share); the pane, served
 * by the service, does the work. The service fills in its address when it serves this file (and in
 * the offline package), so the pane always comes from the service.
 *
 * ES5, like every pane script: WPS runs Chromium, but the ES5 check covers all of static/.
 */
var ribbon = (function () {
  "use strict";

  var SERVICE = "__BIAOTAI_SERVICE__";
  var PANE_MODE = "__BIAOTAI_PANE_MODE__";     // "taskpane", or "dialog" where the task pane covers the ribbon
  var PANE_URL = SERVICE + "/taskpane/wps.html";
  var INTENT_KEY = "biaotai.intent";           // read by the pane (wps/pane.js)
  var TITLE = "表态发言助手";
  var INTENTS = { btnOpen: "", btnInsert: "insert", btnGenerate: "generate", btnLint: "lint" };
  var pane = null;

  function application() {
    if (window.Application) { return window.Application; }
    return window.wps && window.wps.WpsApplication ? window.wps.WpsApplication() : null;
  }

  function OnAddinLoad(ribbonUI) {
    var app = application();
    if (app) { app.ribbonUI = ribbonUI; }
    return true;
  }

  function OnAction(control) {
    var id = control && control.Id;
    var app = application();
    if (!app || !INTENTS.hasOwnProperty(id)) { return true; }
    if (INTENTS[id]) {
      app.PluginStorage.setItem(INTENT_KEY, INTENTS[id] + "|" + new Date().getTime());
    }
    openPane(app);
    return true;
  }

  /* The task pane, made once and shown again; a dialog where configured or where WPS cannot make
     the pane (WPS 12.1.0.26895 and later may draw the task pane over the ribbon). */
  function openPane(app) {
    if (pane) {
      try { pane.Visible = true; return; } catch (e) { pane = null; }  // closed by the writer
    }
    if (PANE_MODE !== "dialog") {
      try { pane = app.CreateTaskPane(PANE_URL, TITLE); } catch (e) { pane = null; }
      if (pane) {
        pane.Visible = true;
        return;
      }
    }
    var ratio = window.devicePixelRatio || 1;
    app.ShowDialog(PANE_URL, TITLE, Math.round(420 * ratio), Math.round(760 * ratio), false);
  }

  function GetImage() {
    return SERVICE + "/icons/icon-32.png";
  }

  return { OnAddinLoad: OnAddinLoad, OnAction: OnAction, GetImage: GetImage };
}());
