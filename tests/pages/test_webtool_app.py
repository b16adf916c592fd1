"""The web tool's languages and health (settings and custody: test_custody.py)."""

from __future__ import annotations

from support.logins import log_in


def test_healthz_reports_the_database_and_the_api(client):
    reply = client.get("/healthz")
    assert reply.status_code == 200
    assert reply.get_json() == {"ok": True, "database": True, "api": True}


def test_the_language_follows_the_browser_then_uselang(client):
    german = client.get("/", headers={"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"})
    assert 'lang="de"' in german.get_data(as_text=True)
    arabic = client.get("/?uselang=ar").get_data(as_text=True)
    assert 'lang="ar" dir="rtl"' in arabic
    assert 'lang="ar"' in client.get("/").get_data(as_text=True)  # remembered


def test_findings_are_written_in_the_pages_language(client):
    log_in(client, {"name": "Veteran Editor", "id": 3})
    client.get("/engagement/data")
    german = client.get("/engagement?uselang=de").get_data(as_text=True)
    assert "1.500 Bearbeitungen in enwiki" in german
    assert "Beständig Mitarbeitende: 2.112 Bearbeitungen in 3 Wikis seit 2014" in german
    arabic = client.get("/engagement?uselang=ar").get_data(as_text=True)
    assert "في enwiki" in arabic and "Bearbeitungen" not in arabic
