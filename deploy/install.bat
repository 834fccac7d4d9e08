@echo off
rem 表态发言助手 @VERSION@ 离线安装（Windows x64）。本文件为 GBK 编码。
rem 用法：install.bat [安装目录]      默认安装到 C:\biaotai
rem   安装目录\venv   程序（Python 虚拟环境）
rem   安装目录\data   工作目录：段落库、配置文件 biaotai.toml、certs\、logs\
rem 升级：解压新的离线安装包，对同一安装目录再运行一次。段落库、配置和证书不会被改动。
setlocal
set "HERE=%~dp0"
set "DIR=%~1"
if "%DIR%"=="" set "DIR=C:\biaotai"
if "%PYTHON%"=="" (
  where py >nul 2>nul && (set "PYTHON=py -3") || (set "PYTHON=python")
)
%PYTHON% -c "import sys; sys.exit(0 if (3, 10) <= sys.version_info[:2] <= (3, 13) else 1)"
if errorlevel 1 (
  echo 错误：需要 Python 3.10 至 3.13。请先安装 Python（安装时勾选 Add python.exe to PATH），
  echo       或设置 PYTHON 变量指向它，例如：set PYTHON=C:\Python311\python.exe
  exit /b 1
)
if not exist "%DIR%\venv\Scripts\python.exe" (
  echo 创建 Python 虚拟环境：%DIR%\venv
  %PYTHON% -m venv "%DIR%\venv" || (echo 错误：无法创建虚拟环境 & exit /b 1)
)
echo 安装表态发言助手 @VERSION@（离线）……
"%DIR%\venv\Scripts\python.exe" -m pip install --quiet --disable-pip-version-check --no-index --find-links "%HERE%wheels" --upgrade biaotai==@VERSION@
if errorlevel 1 (echo 错误：安装失败。请确认离线包包含 Windows x64 和本机 Python 版本的文件。 & exit /b 1)
"%DIR%\venv\Scripts\biaotai.exe" init "%DIR%\data" >nul || (echo 错误：无法建立工作目录 %DIR%\data & exit /b 1)
echo.
echo 安装完成。程序：%DIR%\venv\Scripts\biaotai.exe    工作目录：%DIR%\data
echo 下一步：
echo   cd /d "%DIR%\data"
echo   "%DIR%\venv\Scripts\biaotai.exe" cert      生成证书（只需一次）
echo   "%DIR%\venv\Scripts\biaotai.exe" serve     试运行，Ctrl+C 停止
echo 作为 Windows 服务开机自启：见 安装说明.md 中「Windows 服务」。
endlocal
