"""`biaotai init`: the working folder an office runs from.

Invariants: init never overwrites what is already there (an office's edited library, its config,
its certificates survive a second init and every upgrade); the packaged library is copied, never
linked, so editors never write into the installed package.
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from .config import CERTS_DIR, CONFIG_FILE, LIBRARY_FILE, LOGS_DIR, packaged_library_path

CONFIG_TEMPLATE = """\
# 表态发言助手（biaotai）工作目录配置文件。
# 在本目录中运行 biaotai serve / generate / check 时自动读取；修改后重启服务生效。
# 相对路径以本文件所在的目录为准。以 # 开头的行是说明，去掉行首的 # 即可启用该项。

# 段落库：编辑人员用 Excel 或 WPS 表格修改的文件。保存后服务自动重新加载。
LIBRARY = "{library}"

# 服务监听的地址。默认只允许本机访问；要让局域网内其他电脑使用，改为 "0.0.0.0"，
# 并务必同时设置下面的 TOKEN。
# HOST = "127.0.0.1"
# PORT = 8443

# 访问令牌（只用字母、数字和符号）。设置后，写稿人的加载项和宏需要同一个令牌。
# TOKEN = ""

# 编辑人员令牌。设置后，段落库检查页（/library）、导入和恢复历史版本只认这个令牌，写稿人的令牌打不开。
# EDITOR_TOKEN = ""

# 段落库历史保留的工作簿副本份数（改动记录一直保留）。
# HISTORY_KEEP = 50

# 日志文件（按大小自动轮换）。不设置时日志输出到屏幕。
# LOG_FILE = "{logs}/biaotai.log"

# 服务器证书与私钥。不设置时使用 biaotai cert 在 {certs}/ 中生成的证书。
# CERTFILE = "{certs}/server.pem"
# KEYFILE = "{certs}/server-key.pem"

# 内网镜像的 office.js 地址（Word 加载项用）。不设置时使用微软的地址。
# OFFICE_JS_URL = "https://内网镜像/office.js"

# 经过反向代理访问时，写稿人看到的服务地址。
# PUBLIC_URL = "https://biaotai.example.gov.cn"
"""


@dataclass
class InitReport:
    folder: Path
    created: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)

    def to_text(self) -> str:
        lines = [f"工作目录：{self.folder}"]
        lines += [f"  已创建 {name}" for name in self.created]
        lines += [f"  已存在，未改动 {name}" for name in self.kept]
        lines += ["",
                  "下一步：",
                  f"  1. 进入该目录：cd \"{self.folder}\"",
                  "  2. 生成证书：biaotai cert（按提示让写稿人的电脑信任 certs/ca.pem）",
                  "  3. 启动服务：biaotai serve",
                  f"编辑人员修改 {LIBRARY_FILE} 后可运行 biaotai check 检查。"]
        return "\n".join(lines)


def init_working_folder(folder: Path) -> InitReport:
    """Make `folder` a working folder: library copy, commented config, certs/ and logs/."""
    folder = folder.resolve()
    folder.mkdir(parents=True, exist_ok=True)
    report = InitReport(folder)

    library = folder / LIBRARY_FILE
    if library.exists():
        report.kept.append(LIBRARY_FILE)
    else:
        partial = library.with_name(library.name + ".tmp")
        shutil.copyfile(packaged_library_path(), partial)
        partial.replace(library)
        report.created.append(LIBRARY_FILE)

    config = folder / CONFIG_FILE
    if config.exists():
        report.kept.append(CONFIG_FILE)
    else:
        config.write_text(CONFIG_TEMPLATE.format(library=LIBRARY_FILE, logs=LOGS_DIR, certs=CERTS_DIR),
                          encoding="utf-8")
        report.created.append(CONFIG_FILE)

    for name in (CERTS_DIR, LOGS_DIR):
        if (folder / name).is_dir():
            report.kept.append(name + "/")
        else:
            (folder / name).mkdir()
            report.created.append(name + "/")
    return report
