/*
 * /wps/publish.html: register the add-in on this machine through the local service WPS runs
 * (http://127.0.0.1:58890/deployaddons/runParams, body: base64 of UTF-8 JSON {cmd, name, url,
 * addonType, online, version}), as Kingsoft's publish pages do. WPS then writes its publish.xml
 * (Windows %APPDATA%\kingsoft\wps\jsaddons, Linux ~/.local/share/Kingsoft/wps/jsaddons).
 * If WPS's service is not running, the ksoWPSCloudSvr:// link asks the system to start it.
 */
(function () {
  "use strict";

  var DEPLOY = "http://127.0.0.1:58890/deployaddons/runParams";
  var START_WPS = "ksoWPSCloudSvr://start=RelayHttpServer";
  var TRIES = 3;
  var body = document.body;

  function base64Utf8(text) {
    return window.btoa(unescape(encodeURIComponent(text)));
  }

  function say(text) { document.getElementById("result").textContent = text; }

  function send(cmd, triesLeft) {
    var data = base64Utf8(JSON.stringify({
      cmd: cmd, name: body.getAttribute("data-addin-name"), url: body.getAttribute("data-addin-url"),
      addonType: "wps", online: "true", version: body.getAttribute("data-addin-version"), time: new Date().getTime()
    }));
    var xhr = new XMLHttpRequest();
    xhr.open("POST", DEPLOY, true);
    xhr.timeout = 5000;
    xhr.onload = function () {
      say(cmd === "enable" ? "已登记。请完全退出 WPS 后重新打开，在「开始」选项卡上找「表态发言」组。"
                           : "已卸载。重新打开 WPS 后「表态发言」组不再出现。");
    };
    xhr.onerror = xhr.ontimeout = function () {
      if (triesLeft === TRIES) { window.location.href = START_WPS; }
      if (triesLeft > 1) {
        say("正在连接本机的 WPS…");
        setTimeout(function () { send(cmd, triesLeft - 1); }, 1500);
      } else {
        say("没有连接上本机的 WPS。请确认 WPS Office 已安装并已启动，再点一次；仍不行时请用离线安装包或联系管理员。");
      }
    };
    xhr.send(data);
  }

  document.getElementById("btn-install").addEventListener("click", function () { send("enable", TRIES); });
  document.getElementById("btn-uninstall").addEventListener("click", function () { send("disable", TRIES); });
}());
