/*
 * 表态发言助手 pane, shared modules (server/static/pane/): small DOM and storage helpers.
 *
 * Every pane script is ES5 (Word 2016/2019 run task panes in IE11): no let/const, arrow functions,
 * template literals, classes, fetch or native promises. There is no build step: each module is an
 * IIFE that adds its functions to one namespace, window.biaotaiPane, and the pages load them in
 * order (util, state, messages, api, remember, form, plan, browse, output, fulltext, lint, app),
 * then one host adapter (taskpane/taskpane.js for Word, wps/pane.js for WPS, page/page.js for a
 * plain browser) that calls biaotaiPane.boot(host). tests/test_taskpane.py parses every script as ES5.1.
 */
(function (P) {
  "use strict";

  var timers = {};

  P.$ = function (id) { return document.getElementById(id); };

  P.each = function (list, fn) {
    for (var i = 0; i < list.length; i += 1) { fn(list[i], i); }
  };

  P.find = function (list, test) {
    for (var i = 0; i < list.length; i += 1) {
      if (test(list[i])) { return list[i]; }
    }
    return null;
  };

  /* An element with attributes ("text" and "className" are special) and children (nodes or text). */
  P.el = function (tag, attrs, children) {
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
    P.each(children || [], function (child) {
      if (child === null || child === undefined) { return; }
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  };

  P.clear = function (node) {
    while (node.firstChild) { node.removeChild(node.firstChild); }
  };

  P.show = function (node, visible) {
    if (!node) { return; }
    if (visible) { node.removeAttribute("hidden"); } else { node.setAttribute("hidden", ""); }
  };

  /* IE11 has no Element.closest: the nearest ancestor (or self) carrying `attribute`, below root. */
  P.closest = function (node, attribute, root) {
    while (node && node !== root && node.nodeType === 1) {
      if (node.hasAttribute(attribute)) { return node; }
      node = node.parentNode;
    }
    return null;
  };

  /* Bind `fn` to an element's event when the page has that element (pages differ in what they show). */
  P.on = function (id, type, fn) {
    var node = P.$(id);
    if (node) { node.addEventListener(type, fn); }
    return node;
  };

  P.copy = function (value) { return JSON.parse(JSON.stringify(value)); };

  P.trimmed = function (value) { return value ? String(value).replace(/^\s+|\s+$/g, "") : ""; };

  P.shorten = function (text, limit) {
    text = String(text || "").replace(/\s+/g, " ");
    return text.length > limit ? text.slice(0, limit) + "…" : text;
  };

  /* A part's text for a card: its paragraphs kept (the heading of 一、 stands on its own line). */
  P.excerpt = function (text, limit) {
    var lines = String(text || "").split("\n");
    var out = [];
    var used = 0;
    for (var i = 0; i < lines.length && used < limit; i += 1) {
      var line = P.shorten(lines[i], limit - used);
      used += line.length;
      out.push(line);
    }
    var result = out.join("\n");
    return used >= limit && result.charAt(result.length - 1) !== "…" ? result + "…" : result;
  };

  /* Run fn once, ms after the last call with the same name. */
  P.later = function (name, ms, fn) {
    if (timers[name]) { clearTimeout(timers[name]); }
    timers[name] = setTimeout(function () { timers[name] = null; fn(); }, ms);
  };

  P.store = function (key, value) {
    try {
      if (value === null) { window.localStorage.removeItem(key); } else { window.localStorage.setItem(key, value); }
    } catch (e) { /* private mode or storage disabled: nothing to remember */ }
  };

  P.recall = function (key) {
    try { return window.localStorage.getItem(key); } catch (e) { return null; }
  };
}(window.biaotaiPane = window.biaotaiPane || {}));
