#!/bin/sh
# 表态发言助手 @VERSION@ 离线安装（Linux：银河麒麟、统信 UOS 及其他发行版，x86_64 / aarch64）。
# 用法：sh install.sh [安装目录]      默认安装到 /opt/biaotai
#   安装目录/venv   程序（Python 虚拟环境）
#   安装目录/data   工作目录：段落库、配置文件 biaotai.toml、certs/、logs/
# 升级：解压新的离线安装包，对同一安装目录再运行一次。段落库、配置和证书不会被改动。
# 全程不访问网络：依赖都在 wheels/ 中。
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
DIR=${1:-/opt/biaotai}
PYTHON=${PYTHON:-python3}

fail() { echo "错误：$*" >&2; exit 1; }

command -v "$PYTHON" >/dev/null 2>&1 || fail "找不到 $PYTHON。请先安装 Python 3.10 至 3.13，或用 PYTHON=/路径/python3 sh install.sh 指定。"
"$PYTHON" -c 'import sys; sys.exit(0 if (3, 10) <= sys.version_info[:2] <= (3, 13) else 1)' \
  || fail "需要 Python 3.10 至 3.13，$PYTHON 是 $("$PYTHON" -V 2>&1)。可用 PYTHON=/路径/python3.11 指定其他版本。"

mkdir -p "$DIR" || fail "无法创建目录 $DIR（是否需要 sudo？）"
if [ ! -x "$DIR/venv/bin/python" ]; then
  echo "创建 Python 虚拟环境：$DIR/venv"
  "$PYTHON" -m venv "$DIR/venv" || fail "无法创建虚拟环境。Debian、Ubuntu 类系统请先安装 python3-venv 软件包。"
fi
echo "安装表态发言助手 @VERSION@（离线）……"
"$DIR/venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-index \
  --find-links "$HERE/wheels" --upgrade "biaotai==@VERSION@" \
  || fail "安装失败。请确认离线包与本机平台（$(uname -m)）和 Python 版本（$("$PYTHON" -V 2>&1)）相符。"
"$DIR/venv/bin/biaotai" init "$DIR/data" >/dev/null || fail "无法建立工作目录 $DIR/data。"
cat <<MSG

安装完成。程序：$DIR/venv/bin/biaotai    工作目录：$DIR/data
下一步：
  cd "$DIR/data" && "$DIR/venv/bin/biaotai" cert      # 生成证书（只需一次）
  "$DIR/venv/bin/biaotai" serve                        # 试运行，Ctrl+C 停止
作为系统服务开机自启：见 安装说明.md 中「Linux 系统服务」（biaotai.service）。
MSG
