"""Web app: roles and scope, sessions, CSRF, throttling, escaping, safe downloads, the API.

Real workspaces, real ingest, the real app through FastAPI's TestClient (no mocks).
"""

from __future__ import annotations

import email.message
import re
from dataclasses import dataclass, field
from urllib.parse import unquote

import pytest
import sqlalchemy as sa
from conftest import NIP_A, NIP_B, FixedClock, Workspace, make_exe, make_pdf, make_png
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from archiver.accounts import add_user
from archiver.catalog import custody
from archiver.catalog.core import list_submissions
from archiver.catalog.schema import events
from archiver.evidence import Filters
from archiver.web.app import create_app
from archiver.web.auth import WebSettings
from archiver.web.downloads import content_disposition

PASSWORD = "kata-sandi-yang-panjang"
XSS = "<script>alert(1)</script>"
ODD_NAME = 'Laporan "akhir"; tahap=2 résumé 报告.pdf'


@dataclass
class Site:
    ws: Workspace
    clock: FixedClock
    sha: dict[str, str] = field(default_factory=dict)
    settings: WebSettings = field(default_factory=WebSettings)

    def app(self, **kw: object):
        return create_app(self.ws.config, clock=self.clock, settings=kw.get("settings", self.settings))  # type: ignore[arg-type]

    def client(self, user: str | None = None, *, base_url: str = "http://testserver", app: object = None) -> TestClient:
        c = TestClient(app or self.app(), base_url=base_url)
        if user:
            r = login(c, user)
            assert r.status_code == 303, r.text
        return c


def seed(ws: Workspace, clock: FixedClock) -> Site:
    """Two pegawai's evidence, an unlinked file named like a script, a quarantined program, users."""
    site = Site(ws, clock)
    a1 = f"{NIP_A}/2026/TW1/RHK-01"
    b1 = f"{NIP_B}/2026/TW1/RHK-02"
    ws.put(f"{a1}/laporan sosialisasi.pdf", make_pdf("Laporan sosialisasi anggaran desa"))
    ws.put(f"{a1}/foto kegiatan.png", make_png())
    ws.put(f"{a1}/{ODD_NAME}", make_pdf("Laporan akhir tahap dua"))
    ws.put(f"{b1}/notulen rapat.pdf", make_pdf("Notulen rapat koordinasi"))
    ws.put(f"{b1}/faktur.pdf", make_exe())
    # A file whose path reads <script>alert(1)</script>.pdf (folder "<script>alert(1)<", file "script>.pdf").
    ws.put(f"{XSS}.pdf", make_pdf("berkas lepas"))
    res = ws.cli("ingest", "--json")
    assert res.exit_code == 1, res.output  # the program was quarantined
    import json

    for line in res.stdout.splitlines():
        r = json.loads(line)
        site.sha[r["path"].rsplit("/", 1)[-1]] = r["sha256"]
    with ws.open() as archive:
        for name, role, nip in (("admin", "admin", None), ("auditor", "auditor", None), ("ani", "pegawai", NIP_A),
                                ("budi", "pegawai", NIP_B), ("atasan", "atasan", NIP_A)):
            add_user(archive.catalog, name, role, PASSWORD, nip=nip, now=archive.now())
    return site


@pytest.fixture
def site(ws: Workspace, clock: FixedClock) -> Site:
    return seed(ws, clock)


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "no CSRF field on the page"
    return m.group(1)


def login(c: TestClient, name: str, password: str = PASSWORD, next_url: str = "/") -> object:
    page = c.get("/login")
    return c.post("/login", data={"username": name, "password": password, "csrf_token": csrf_of(page.text),
                                  "next": next_url}, follow_redirects=False)


# --------------------------------------------------------------------------- login, sessions, roles

def test_permalink_needs_login_and_comes_back(site: Site) -> None:
    sha = site.sha["laporan sosialisasi.pdf"]
    c = site.client()
    r = c.get(f"/e/{sha}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/login?next=/e/{sha}"
    r = login(c, "ani", next_url=f"/e/{sha}")
    assert r.status_code == 303 and r.headers["location"] == f"/e/{sha}"
    page = c.get(f"/e/{sha}")
    assert page.status_code == 200 and "laporan sosialisasi.pdf" in page.text and sha in page.text
    assert f"http://testserver/e/{sha}" in page.text  # the permalink to paste into e-Kinerja
    app = site.app(settings=WebSettings(public_url="https://arsip.contoh.go.id/"))
    page = site.client("ani", app=app).get(f"/e/{sha}")
    assert f'value="https://arsip.contoh.go.id/e/{sha}"' in page.text


def test_api_answers_401_not_a_redirect(site: Site) -> None:
    r = site.client().get("/api/evidence")
    assert r.status_code == 401 and r.json()["error"]


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example",
                                    "javascript:alert(1)"])
def test_login_never_redirects_off_site(site: Site, target: str) -> None:
    r = login(site.client(), "ani", next_url=target)
    assert r.status_code == 303 and r.headers["location"] == "/"


def test_wrong_password_and_unknown_user_look_the_same(site: Site) -> None:
    c = site.client()
    a, b = login(c, "ani", "salah-sekali-kata-sandi"), login(c, "tidakada", "salah-sekali-kata-sandi")
    assert a.status_code == b.status_code == 401
    assert "Nama pengguna atau kata sandi salah" in a.text and "Nama pengguna atau kata sandi salah" in b.text


def test_session_cookie_flags(site: Site) -> None:
    r = login(site.client(), "ani")
    cookie = r.headers["set-cookie"].lower()
    assert "arsip_sesi=" in cookie and "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie
    r = login(site.client(base_url="https://testserver"), "ani")
    assert "; secure" in r.headers["set-cookie"].lower()
    app = site.app(settings=WebSettings(cookie_secure="always"))
    r = login(site.client(app=app), "ani")
    assert "; secure" in r.headers["set-cookie"].lower()


def test_login_form_needs_its_csrf_cookie(site: Site) -> None:
    c = site.client()
    r = c.post("/login", data={"username": "ani", "password": PASSWORD, "csrf_token": "x", "next": "/"},
               follow_redirects=False)
    assert r.status_code == 400 and "arsip_sesi" not in r.headers.get("set-cookie", "")


def test_every_post_checks_the_session_csrf_token(site: Site) -> None:
    c = site.client("admin")
    sha = site.sha["laporan sosialisasi.pdf"]
    for data in ({}, {"csrf_token": "palsu"}):
        r = c.post(f"/e/{sha}/periksa", data=data, follow_redirects=False)
        assert r.status_code == 403 and "CSRF" in r.text
        r = c.post("/pengguna", data={"name": "maling", "role": "admin", "password": PASSWORD, **data})
        assert r.status_code == 403
        r = c.post("/logout", data=data, follow_redirects=False)
        assert r.status_code == 403
    assert "maling" not in site.ws.cli("user", "list").stdout
    token = csrf_of(c.get("/bukti").text)
    assert c.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    assert c.get("/bukti", follow_redirects=False).status_code == 303  # the session is gone


def test_throttling_locks_with_growing_waits(site: Site) -> None:
    c = site.client()
    for _ in range(5):
        assert login(c, "ani", "salah-sekali-kata-sandi").status_code == 401
    r = login(c, "ani")  # the right password, but locked now
    assert r.status_code == 429 and "30 detik" in r.text
    site.clock.advance(31)
    assert login(c, "ani", "salah-sekali-kata-sandi").status_code == 401  # failure 6: a longer lock
    site.clock.advance(31)
    assert login(c, "ani").status_code == 429
    site.clock.advance(30)
    assert login(c, "ani").status_code == 303  # success clears the user's count
    assert login(site.client(), "ani", "salah-sekali-kata-sandi").status_code == 401


def test_throttling_per_address_across_user_names(site: Site) -> None:
    c = site.client()
    for i in range(20):
        assert login(c, f"tebak{i}", "salah-sekali-kata-sandi").status_code == 401
    assert login(c, "budi").status_code == 429  # the address is locked, whatever the name


def test_roles_are_enforced_on_pages(site: Site) -> None:
    pegawai, auditor, admin = site.client("ani"), site.client("auditor"), site.client("admin")
    assert pegawai.get("/masalah").status_code == 403
    assert pegawai.get("/pengguna").status_code == 403
    assert auditor.get("/masalah").status_code == 200
    assert auditor.get("/pengguna").status_code == 403
    r = auditor.post("/pengguna", data={"name": "x1", "role": "admin", "password": PASSWORD,
                                        "csrf_token": csrf_of(auditor.get("/bukti").text)})
    assert r.status_code == 403
    assert admin.get("/pengguna").status_code == 200


def test_admin_adds_and_disables_users_and_sessions_end(site: Site) -> None:
    admin = site.client("admin")
    token = csrf_of(admin.get("/pengguna").text)
    r = admin.post("/pengguna", data={"name": "citra", "role": "pegawai", "nip": NIP_B, "password": PASSWORD,
                                      "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    r = admin.post("/pengguna", data={"name": "dodi", "role": "pegawai", "nip": "", "password": "pendek",
                                      "csrf_token": token})
    assert r.status_code == 400 and "akun pegawai memerlukan NIP" in r.text and "minimal 10 karakter" in r.text
    assert "--nip" not in r.text  # no command-line option on a web page
    citra = site.client("citra")
    assert citra.get("/bukti").status_code == 200
    assert admin.post("/pengguna/citra/nonaktifkan", data={"csrf_token": token},
                      follow_redirects=False).status_code == 303
    assert citra.get("/bukti", follow_redirects=False).status_code == 303  # logged out at once
    assert login(site.client(), "citra").status_code == 401


def api_routes(routes: list) -> list[APIRoute]:
    """Every APIRoute, also inside included routers (newer FastAPI keeps them nested)."""
    out: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            out.append(route)
        elif hasattr(route, "original_router"):
            out.extend(api_routes(route.original_router.routes))
    return out


def test_every_route_declares_its_roles(site: Site) -> None:
    app = site.app()
    public = {("/login", "GET"), ("/login", "POST"), ("/healthz", "GET"),  # /healthz: for load balancers
              ("/bahasa", "GET"),  # the language choice: a cookie, also before login
              # share links for external auditors: the token in the address is the credential
              # (archiver.share_links; throttled, expiring, revocable; tests/test_share_links.py)
              ("/s/{token}", "GET"), ("/s/{token}/f/{sha256}", "GET"), ("/s/{token}/paket.zip", "GET")}
    checked = 0
    anonymous = site.client()
    for route in api_routes(app.routes):
        path = route.path.replace("{sha256}", "a" * 64).replace("{name}", "ani")
        for method in route.methods - {"HEAD"}:
            if (route.path, method) in public:
                continue
            r = anonymous.request(method, path, follow_redirects=False)
            assert r.status_code in (303, 401), f"{method} {route.path} answers {r.status_code} without a login"
        for method in route.methods:
            if (route.path, method) in public:
                continue
            roles = [getattr(d.call, "roles", None) for d in route.dependant.dependencies]
            assert any(roles), f"{method} {route.path} declares no roles"
            checked += 1
        if route.path.startswith("/api/"):
            assert route.response_model is not None, f"{route.path} has no response model"
    assert checked >= 10


# --------------------------------------------------------------------------- scope

def test_pegawai_gets_404_for_another_pegawais_evidence(site: Site) -> None:
    theirs = site.sha["notulen rapat.pdf"]  # NIP_B's
    ani = site.client("ani")
    missing = "0" * 64
    for path in ("/e/{}", "/e/{}/unduh", "/e/{}/pratinjau", "/api/evidence/{}"):
        r, r0 = ani.get(path.format(theirs)), ani.get(path.format(missing))
        assert r.status_code == r0.status_code == 404, path
        assert r.text.replace(theirs, "X") == r0.text.replace(missing, "X")  # no hint that it exists
        assert "notulen" not in r.text
    token = csrf_of(ani.get("/bukti").text)
    assert ani.post(f"/e/{theirs}/periksa", data={"csrf_token": token}).status_code == 404
    budi = site.client("budi")
    assert budi.get(f"/e/{theirs}").status_code == 200


def test_lists_and_api_are_scoped(site: Site) -> None:
    ani, admin = site.client("ani"), site.client("admin")
    page = ani.get("/bukti").text
    assert "laporan sosialisasi.pdf" in page and "notulen rapat.pdf" not in page
    api = ani.get("/api/evidence").json()
    assert {i["nip"] for i in api["items"]} == {NIP_A} and api["total"] == 3
    assert ani.get(f"/api/evidence?nip={NIP_B}").json()["total"] == 0
    assert ani.get("/api/me").json() == {"name": "ani", "role": "pegawai", "nip": NIP_A, "visible_nips": [NIP_A]}
    everything = admin.get("/api/evidence").json()
    assert {i["nip"] for i in everything["items"]} == {NIP_A, NIP_B, None}
    assert admin.get("/api/me").json()["visible_nips"] is None
    only_b = admin.get(f"/bukti?nip={NIP_B}&periode=tw1").text
    assert "notulen rapat.pdf" in only_b and "laporan sosialisasi.pdf" not in only_b


def test_atasan_without_skp_tree_sees_own_evidence(site: Site) -> None:
    atasan = site.client("atasan")
    assert atasan.get(f"/e/{site.sha['laporan sosialisasi.pdf']}").status_code == 200
    assert atasan.get(f"/e/{site.sha['notulen rapat.pdf']}").status_code == 404


# --------------------------------------------------------------------------- custody of access

def test_auditor_views_and_downloads_are_in_the_custody_chain(site: Site) -> None:
    sha = site.sha["notulen rapat.pdf"]
    auditor = site.client("auditor")
    assert auditor.get(f"/e/{sha}").status_code == 200
    r = auditor.get(f"/e/{sha}/unduh")
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    assert auditor.get(f"/api/evidence/{sha}").status_code == 200
    with site.ws.open() as archive, archive.catalog.read() as conn:
        rows = conn.execute(sa.select(events.c.kind, events.c.actor, events.c.detail)
                            .where(events.c.sha256 == sha, events.c.actor == "web:auditor")
                            .order_by(events.c.seq)).all()
        assert [r.kind for r in rows] == ["viewed", "downloaded", "viewed"]
        assert '"via":"api"' in rows[2].detail and '"role":"auditor"' in rows[0].detail
        assert list(custody.verify_chain(conn)) == []
    assert "web:auditor" in auditor.get(f"/e/{sha}").text  # shown in the custody table


def test_auditor_is_read_only(site: Site) -> None:
    auditor = site.client("auditor")
    token = csrf_of(auditor.get("/bukti").text)
    assert auditor.post("/pengguna/ani/nonaktifkan", data={"csrf_token": token}).status_code == 403
    assert "Tambah pengguna" not in auditor.get("/masalah").text


# --------------------------------------------------------------------------- escaping and downloads

def test_script_file_names_render_escaped_everywhere(site: Site) -> None:
    admin = site.client("admin")
    sha = site.sha["script>.pdf"]
    pages = [admin.get(p) for p in ("/bukti", f"/e/{sha}", "/masalah", "/masalah?status=unlinked")]
    for r in pages:
        assert r.status_code == 200
        assert "<script" not in r.text.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;.pdf" in pages[1].text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;.pdf" in pages[2].text
    api = admin.get(f"/api/evidence/{sha}").json()
    assert api["submissions"][0]["path"] == f"drop/{XSS}.pdf"  # JSON keeps the real name
    assert admin.get(f"/api/evidence/{sha}").headers["content-type"].startswith("application/json")


@pytest.mark.parametrize("name", [f"{XSS}.pdf", ODD_NAME, 'a"b\r\nSet-Cookie: x=1.pdf', "..\\..\\etc\\passwd",
                                  "laporan tahunan.pdf", "ﾃｽﾄ.pdf", ""])
def test_content_disposition_is_safe_for_any_name(name: str) -> None:
    value = content_disposition(name)
    assert "\r" not in value and "\n" not in value
    msg = email.message.Message()
    msg["Content-Disposition"] = value
    fallback = msg.get_param("filename", header="content-disposition")
    assert isinstance(fallback, str) and fallback and fallback.isascii()
    assert not set(fallback) & set('"\\/;<>\r\n')
    star = re.search(r"filename\*=UTF-8''(\S+)$", value)
    assert star and star.group(1).isascii() and not set(star.group(1)) & set("\"';\\ ")
    original = unquote(star.group(1), encoding="utf-8")
    assert original == ("".join(c if c.isprintable() else "_" for c in name).replace("/", "_")
                        .replace("\\", "_") or "bukti")
    assert value.startswith("attachment; ")


def test_download_headers(site: Site) -> None:
    ani = site.client("ani")
    r = ani.get(f"/e/{site.sha[ODD_NAME]}/unduh")
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    cd = r.headers["content-disposition"]
    assert cd.startswith('attachment; filename="') and "filename*=UTF-8''" in cd
    assert unquote(cd.split("filename*=UTF-8''")[1]) == ODD_NAME
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["content-type"] == "application/pdf"
    assert "sandbox" in r.headers["content-security-policy"]


def test_quarantined_program_is_never_served_inline(site: Site) -> None:
    auditor = site.client("auditor")
    sha = site.sha["faktur.pdf"]
    page = auditor.get(f"/e/{sha}")
    assert page.status_code == 200 and "dikarantina" in page.text and f"/e/{sha}/pratinjau" not in page.text
    r = auditor.get(f"/e/{sha}/unduh")
    assert r.status_code == 200 and r.content.startswith(b"MZ")
    assert r.headers["content-type"] == "application/octet-stream"
    assert r.headers["content-disposition"].startswith("attachment;")
    assert r.headers["content-security-policy"].startswith("sandbox")
    assert auditor.get(f"/e/{sha}/pratinjau").status_code == 404
    problems = auditor.get("/masalah?status=quarantined").text
    assert "faktur.pdf" in problems and "program" in problems


@pytest.mark.parametrize("path", [
    "/e/../../etc/passwd", "/e/..%2F..%2Fetc%2Fpasswd", "/e/%2e%2e%2f%2e%2e%2fcatalog.sqlite/unduh",
    "/e/{upper}", "/e/{short}/unduh", "/e/{sha}%00/unduh", "/e/{sha}.pdf/unduh", "/e/..%5c..%5ccatalog.sqlite/unduh",
    "/static/../archive/catalog.sqlite", "/static/%2e%2e/%2e%2e/catalog.py", "/api/evidence/..%2F..%2Fetc%2Fpasswd",
])
def test_no_route_reads_outside_the_archive(site: Site, path: str) -> None:
    sha = site.sha["laporan sosialisasi.pdf"]
    admin = site.client("admin")
    r = admin.get(path.format(upper=sha.upper(), short=sha[:63], sha=sha))
    assert r.status_code in (404, 422), (path, r.status_code)
    assert b"root:" not in r.content and b"SQLite format" not in r.content and b"%PDF" not in r.content


def test_strict_csp_and_headers_on_every_kind_of_response(site: Site) -> None:
    c = site.client("ani")
    for path in ("/login", "/bukti", f"/e/{site.sha['laporan sosialisasi.pdf']}", "/api/me", "/tidak-ada"):
        r = c.get(path)
        csp = r.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp and "script-src" not in csp
        assert r.headers["x-content-type-options"] == "nosniff"
    assert "<script" not in c.get("/bukti").text.lower()  # no page needs a script


# --------------------------------------------------------------------------- evidence detail

def test_evidence_detail_shows_versions_preview_and_integrity(site: Site) -> None:
    a1 = f"{NIP_A}/2026/TW1/RHK-01"
    v2 = make_pdf("Laporan sosialisasi anggaran desa, revisi")
    site.ws.put(f"{a1}/salinan.pdf", make_pdf("Laporan sosialisasi anggaran desa"))  # same bytes, another name
    site.ws.cli("ingest")
    sha = site.sha["laporan sosialisasi.pdf"]
    ani = site.client("ani")
    first_id = ani.get(f"/api/evidence/{sha}").json()["submissions"][0]["id"]
    page = ani.get(f"/e/{sha}").text
    assert "salinan.pdf" in page and "laporan sosialisasi.pdf" in page and "duplikat" in page
    assert "Laporan sosialisasi anggaran desa halaman 1" in page  # first-page text preview
    assert "Belum diperiksa" in page
    token = csrf_of(page)
    r = ani.post(f"/e/{sha}/periksa", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/e/{sha}#integritas"
    assert "Utuh" in ani.get(f"/e/{sha}").text
    first = ani.get(f"/e/{sha}/unduh?s={first_id}")
    assert "laporan%20sosialisasi.pdf" in first.headers["content-disposition"]
    site.ws.replace_blob(sha, v2)
    ani.post(f"/e/{sha}/periksa", data={"csrf_token": token})
    assert "RUSAK" in ani.get(f"/e/{sha}").text  # (downloading it now ends with an error: tests/test_fixity.py)


def test_custody_history_reads_as_sentences_not_internals(site: Site) -> None:
    """The custody table says what happened in the reader's language: no raw JSON, no internal keys."""
    sha = site.sha["foto kegiatan.png"]
    old = site.ws.drop / f"{NIP_A}/2026/TW1/RHK-01/foto kegiatan.png"
    new = site.ws.drop / f"{NIP_A}/2026/TW2/RHK-01/foto kegiatan.png"
    new.parent.mkdir(parents=True, exist_ok=True)
    old.rename(new)
    assert site.ws.cli("ingest").exit_code == 0
    ani = site.client("ani")
    assert ani.get(f"/e/{sha}/unduh").status_code == 200
    page = ani.get(f"/e/{sha}").text
    custody_table = page[page.index("Riwayat lacak"):]
    for raw in ("{", "}", "mtime_ns", "'nip'", '"nip"', "link:"):
        assert raw not in custody_table, raw
    assert "diterima di" in custody_table
    assert f"ditautkan ke NIP {NIP_A} / 2026 / TW1 / RHK-01" in custody_table
    assert (f"dipindah dari {NIP_A}/2026/TW1/RHK-01/foto kegiatan.png ke {NIP_A}/2026/TW2/RHK-01/foto kegiatan.png"
            in custody_table)
    assert "diunduh oleh Pegawai melalui web" in custody_table
    ani.cookies.set("archiver_lang", "en")
    english = ani.get(f"/e/{sha}").text
    assert "Custody history" in english and f"filed under NIP {NIP_A} / 2026 / TW2 / RHK-01" in english
    assert "downloaded by Pegawai via the web" in english and "{" not in english[english.index("Custody history"):]


def test_every_page_reads_in_the_chosen_language(site: Site) -> None:
    admin = site.client("admin")
    sha = site.sha["laporan sosialisasi.pdf"]
    pages = ("/bukti", "/masalah", "/pengguna", f"/e/{sha}", "/tidak-ada")
    words = {"id": ("Daftar bukti", "Berkas bermasalah", "Tambah pengguna", "Riwayat lacak", "Tidak ditemukan"),
             "en": ("Evidence list", "Problem files", "Add a user", "Custody history", "Not found")}
    for lang, expected in words.items():
        admin.cookies.set("archiver_lang", lang)
        for path, word in zip(pages, expected, strict=True):
            r = admin.get(path)
            assert f'<html lang="{lang}"' in r.text and word in r.text, (lang, path)
            assert "archiver " not in r.text.replace("archiver_lang", ""), (lang, path)  # no command to run


def test_language_choice_is_a_cookie_and_never_leaves_the_site(site: Site) -> None:
    c = site.client()
    r = c.get("/bahasa", params={"lang": "en", "next": "/login?next=/bukti"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/bukti"
    cookie = r.headers["set-cookie"]
    assert cookie.startswith("archiver_lang=en;") and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Max-Age=31536000" in cookie and "Path=/" in cookie
    page = c.get("/login")
    assert '<html lang="en"' in page.text and "Sign in" in page.text and "Masuk" not in page.text
    assert 'href="/bahasa?lang=id&amp;next=%2Flogin"' in page.text  # the switch back, in the footer
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)", ""):
        r = c.get("/bahasa", params={"lang": "id", "next": target}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/", target
    r = c.get("/bahasa", params={"lang": "klingon", "next": "/login"}, follow_redirects=False)
    assert r.status_code == 303 and "set-cookie" not in r.headers  # an unknown language changes nothing
    assert "Masuk" in c.get("/login").text  # the last choice (id) holds
    api = site.client("ani")
    api.cookies.set("archiver_lang", "en")
    assert api.get("/api/evidence/" + "0" * 64).json()["error"] == "evidence not found"
    assert site.client("ani").get("/api/evidence/" + "0" * 64).json()["error"] == "bukti tidak ditemukan"


def test_image_preview_is_a_small_copy(site: Site) -> None:
    import io

    from PIL import Image

    site.ws.put(f"{NIP_A}/2026/TW2/RHK-01/foto besar.png", make_png((1200, 600), "teal"))
    site.ws.cli("ingest")
    ani = site.client("ani")
    sha = ani.get("/api/evidence?periode=TW2").json()["items"][0]["sha256"]
    assert f"/e/{sha}/pratinjau" in ani.get(f"/e/{sha}").text
    r = ani.get(f"/e/{sha}/pratinjau")
    assert r.status_code == 200 and r.headers["content-type"] in ("image/png", "image/jpeg")
    assert r.content != make_png((1200, 600), "teal")  # a small copy, never the original bytes
    w, h = Image.open(io.BytesIO(r.content)).size
    assert w <= 480 and h <= 480


def test_openapi_describes_the_typed_api(site: Site) -> None:
    anonymous = site.client().get("/openapi.json", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")  # logged-in only
    spec = site.client("ani").get("/openapi.json").json()
    item = spec["paths"]["/api/evidence/{sha256}"]["get"]
    assert item["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/EvidenceOut")
    assert "404" in item["responses"]
    assert "/login" not in spec["paths"] and "/e/{sha256}" not in spec["paths"]


# --------------------------------------------------------------------------- CLI

def test_user_cli(ws: Workspace) -> None:
    r = ws.cli("user", "add", "ani", "--role", "pegawai", "--nip", NIP_A, "--password-stdin", input=PASSWORD + "\n")
    assert r.exit_code == 0, r.output
    r = ws.cli("user", "add", "x", "--role", "pegawai", "--password-stdin", input="pendek\n")
    assert r.exit_code == 2 and "memerlukan NIP" in r.output and "minimal 10 karakter" in r.output
    r = ws.cli("user", "add", "ani", "--role", "admin", "--password-stdin", input=PASSWORD + "\n")
    assert r.exit_code == 2 and "sudah ada" in r.output
    assert ws.cli_json("user", "list") == [{"name": "ani", "role": "pegawai", "nip": NIP_A, "disabled": False}]
    assert ws.cli("user", "disable", "ani").exit_code == 0
    assert ws.cli_json("user", "list")[0]["disabled"] is True
    assert ws.cli("user", "disable", "nobody").exit_code == 1
    assert ws.cli("user", "enable", "ani").exit_code == 0
    assert ws.cli_json("user", "list")[0]["disabled"] is False
    with ws.open() as archive, archive.catalog.read() as conn:
        hashed = conn.execute(sa.text("select password_hash from web_users")).scalar_one()
    assert hashed.startswith("$argon2id$") and PASSWORD not in hashed


def test_web_cli_help_ends_with_an_example(ws: Workspace) -> None:
    for cmd in (["serve"], ["run"], ["user"], ["user", "add"], ["user", "list"], ["user", "disable"],
                ["user", "enable"]):
        assert "Contoh:" in ws.cli(*cmd, "--help").output, cmd
        assert "Example:" in ws.cli("--lang", "en", *cmd, "--help").output, cmd


def _start(ws: Workspace, command: str, *options: str) -> tuple[object, int]:
    import socket
    import subprocess
    import sys
    import time

    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "archiver", "--config", str(ws.config_path), *options, command,
                             "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/login", timeout=2)
            return proc, port
        except httpx.TransportError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise AssertionError(f"{command} did not start: {proc.communicate()[1]}") from None
            time.sleep(0.2)


def test_serve_runs_a_real_server(ws: Workspace) -> None:
    import httpx

    proc, port = _start(ws, "serve", "--quiet")
    try:
        r = httpx.get(f"http://127.0.0.1:{port}/login", timeout=5)
        assert r.status_code == 200 and "Masuk" in r.text and "server" not in r.headers
        assert r.headers["content-security-policy"].startswith("default-src 'none'")
    finally:
        proc.terminate()  # type: ignore[attr-defined]
        proc.wait(timeout=10)  # type: ignore[attr-defined]


def test_run_starts_the_web_app_and_the_watcher(ws: Workspace) -> None:
    import signal
    import time

    import httpx

    proc, port = _start(ws, "run")  # not quiet: the watcher's decisions are logged as `archiver watch` logs them
    try:
        assert httpx.get(f"http://127.0.0.1:{port}/login", timeout=5).status_code == 200
        ws.put(f"{NIP_A}/2026/TW1/RHK-01/dari-watcher.pdf", make_pdf("Dari watcher"))
        deadline = time.monotonic() + 60
        while True:
            with ws.open() as archive:
                names = [s["name"] for s in list_submissions(archive.catalog, Filters(nip=NIP_A))]
            if "dari-watcher.pdf" in names:
                break
            assert time.monotonic() < deadline, "the watcher started by `archiver run` did not ingest the file"
            time.sleep(0.5)
        assert httpx.get(f"http://127.0.0.1:{port}/login", timeout=5).status_code == 200  # still serving
    finally:
        if proc.poll() is None:  # type: ignore[attr-defined]
            proc.send_signal(signal.SIGTERM)  # type: ignore[attr-defined]
        _, err = proc.communicate(timeout=40)  # type: ignore[attr-defined]
    assert proc.returncode == 0, err  # type: ignore[attr-defined]
    assert "dari-watcher.pdf" in err and "archived" in err  # one line per decision
    assert "watcher stopped" in err  # the server's end stopped the watcher cleanly
    assert "Traceback" not in err


def test_run_without_configuration_points_to_the_demo(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from click.testing import CliRunner

    from archiver.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ARCHIVER_CONFIG", raising=False)
    res = CliRunner().invoke(main, ["run"])
    assert res.exit_code == 2
    assert "archiver demo demo && archiver --config demo/watch_config.toml run" in res.output
