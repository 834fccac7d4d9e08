"""addin_manifest/manifest.xml and the copy the service serves at /manifest.xml: valid against the
Office add-in XSDs vendored in tests/data/addin-manifest-schemas/, a Word task pane with a 表态发言 group on
the Home tab, every address pointing at the server the manifest was downloaded from."""
from __future__ import annotations

import struct
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT / "addin_manifest" / "manifest.xml"
SCHEMAS = ROOT / "tests" / "data" / "addin-manifest-schemas"
NS = {
    "o": "http://schemas.microsoft.com/office/appforoffice/1.1",
    "ov": "http://schemas.microsoft.com/office/taskpaneappversionoverrides",
    "bt": "http://schemas.microsoft.com/office/officeappbasictypes/1.0",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
}
SERVER = "https://biaotai.example.gov.cn:8443"


def schema() -> etree.XMLSchema:
    entry = SCHEMAS / "OfficeAppManifestV1_1.xsd"
    if not entry.exists():
        pytest.fail(f"没有加载项清单的 XSD（{SCHEMAS}，随仓库提供），无法离线校验清单")
    return etree.XMLSchema(etree.parse(str(entry)))


def validate_manifest(data: bytes) -> etree._ElementTree:
    """Parse and validate against the XSDs; fails naming every schema error."""
    tree = etree.ElementTree(etree.fromstring(data))
    xsd = schema()
    if not xsd.validate(tree):
        errors = "\n".join(f"第 {e.line} 行：{e.message}" for e in xsd.error_log)
        pytest.fail(f"清单不符合 XSD：\n{errors}")
    return tree


def urls(tree) -> list[str]:
    found = []
    for element in tree.iter():
        for name in ("DefaultValue",):
            value = element.get(name, "")
            if value.startswith(("http://", "https://")):
                found.append(value)
        if element.tag == f"{{{NS['o']}}}AppDomain":
            found.append(element.text)
    return found


def served(client, base_url: str = SERVER) -> bytes:
    response = client.get("/manifest.xml", base_url=base_url)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/xml"
    assert "attachment" in response.headers["Content-Disposition"]
    return response.data


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "不是 PNG 文件"
    return struct.unpack(">II", data[16:24])


def test_manifest_file_is_valid():
    tree = validate_manifest(MANIFEST.read_bytes())
    root = tree.getroot()
    assert root.get(f"{{{NS['xsi']}}}type") == "TaskPaneApp"
    assert root.find("o:Hosts/o:Host", NS).get("Name") == "Document"
    assert root.findtext("o:Permissions", namespaces=NS) == "ReadWriteDocument"
    sets = root.find("o:Requirements/o:Sets", NS)
    word_api = sets.find("o:Set", NS)
    assert (word_api.get("Name"), word_api.get("MinVersion")) == ("WordApi", "1.1")
    assert root.find("o:DefaultLocale", NS).text == "zh-CN"
    # the file as checked in works as is for `biaotai serve` on its default address
    assert all(url.startswith("https://localhost:8443") for url in urls(tree)), urls(tree)


def test_ribbon_button_opens_the_pane():
    root = validate_manifest(MANIFEST.read_bytes()).getroot()
    overrides = root.find("ov:VersionOverrides", NS)
    assert overrides is not None
    host = overrides.find("ov:Hosts/ov:Host", NS)
    assert host.get(f"{{{NS['xsi']}}}type") == "Document"
    tab = host.find("ov:DesktopFormFactor/ov:ExtensionPoint[@xsi:type='PrimaryCommandSurface']/ov:OfficeTab", NS)
    assert tab.get("id") == "TabHome"
    group = tab.find("ov:Group", NS)
    strings = {s.get("id"): s.get("DefaultValue") for s in overrides.iterfind(".//bt:String", NS)}
    images = {i.get("id"): i.get("DefaultValue") for i in overrides.iterfind("ov:Resources/bt:Images/bt:Image", NS)}
    links = {u.get("id"): u.get("DefaultValue") for u in overrides.iterfind("ov:Resources/bt:Urls/bt:Url", NS)}
    assert strings[group.find("ov:Label", NS).get("resid")] == "表态发言"
    button = group.find("ov:Control[@xsi:type='Button']", NS)
    assert strings[button.find("ov:Label", NS).get("resid")] == "表态发言助手"
    action = button.find("ov:Action", NS)
    assert action.get(f"{{{NS['xsi']}}}type") == "ShowTaskpane"
    assert links[action.find("ov:SourceLocation", NS).get("resid")] == "https://localhost:8443/taskpane/"
    for icon in (group.find("ov:Icon", NS), button.find("ov:Icon", NS)):
        sizes = {i.get("size"): images[i.get("resid")] for i in icon.iterfind("bt:Image", NS)}
        assert sizes == {"16": "https://localhost:8443/icons/icon-16.png", "32": "https://localhost:8443/icons/icon-32.png",
                         "80": "https://localhost:8443/icons/icon-80.png"}


def test_schema_check_is_real():
    """The XSDs do catch a broken manifest (so a pass above means something)."""
    xsd = schema()
    broken = etree.fromstring(MANIFEST.read_bytes())
    broken.remove(broken.find("o:Permissions", NS))
    assert not xsd.validate(etree.ElementTree(broken))


def test_served_manifest_points_at_the_server(client):
    data = served(client)
    tree = validate_manifest(data)
    found = urls(tree)
    assert found and all(url.startswith(SERVER + "/") or url == SERVER for url in found), found
    assert b"localhost" not in data
    root = tree.getroot()
    assert root.find("o:DefaultSettings/o:SourceLocation", NS).get("DefaultValue") == SERVER + "/taskpane/"
    assert root.findtext("o:AppDomains/o:AppDomain", namespaces=NS) == SERVER


def test_served_manifest_resources_exist(client):
    """Every address in the served manifest is served: the pane page and icons of the stated sizes."""
    tree = validate_manifest(served(client, "https://127.0.0.1:8443"))
    for url in set(urls(tree)):
        path = urlsplit(url).path or "/"
        if path == "/":
            continue
        response = client.get(path, base_url="https://127.0.0.1:8443")
        assert response.status_code == 200, url
        name = Path(path).name
        if name.startswith("icon-"):
            size = int(name[5:-4])
            assert png_size(response.data) == (size, size), name
        else:
            assert "表态发言助手" in response.get_data(as_text=True)


def test_served_manifest_for_ipv6_and_plain_host(client):
    for base in ("https://[::1]:8443", "https://biaotai", "https://10.1.2.3"):
        tree = validate_manifest(served(client, base))
        assert all(url.startswith(base) for url in urls(tree))


def test_public_url_setting_wins(library_path):
    from server import create_app
    app = create_app({"TESTING": True, "LIBRARY": str(library_path), "PUBLIC_URL": "https://biaotai.gov.cn/writer/"})
    tree = validate_manifest(served(app.test_client(), "http://10.0.0.5:8080"))
    assert tree.getroot().find("o:DefaultSettings/o:SourceLocation", NS).get("DefaultValue") == \
        "https://biaotai.gov.cn/writer/taskpane/"


def test_unusable_host_gives_a_json_error(client):
    response = client.get("/manifest.xml", headers={"Host": 'evil"><x a="'})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid_host" and "PUBLIC_URL" in error["message"]


def test_plain_http_manifest_carries_a_warning(client):
    data = served(client, "http://127.0.0.1:8080")
    validate_manifest(data)
    assert "只从 HTTPS 加载".encode("utf-8") in data
