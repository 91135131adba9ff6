"""The app's Streamlit settings (.streamlit/config.toml)."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_streamlit_config_listens_on_this_machine_only():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["address"] == "127.0.0.1"


def test_sharing_docs_say_how_to_deploy_behind_the_local_address():
    deployment = (ROOT / "docs" / "sharing.md").read_text().split("## Deployment", 1)[1]
    assert "127.0.0.1" in deployment and "--server.address 0.0.0.0" in deployment


def test_streamlit_config_switches_built_in_data_export_off():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["client"]["disableDataExport"] is True


def test_app_page_icon_is_drawn_in_the_browser_not_fetched():
    # Streamlit fetches a ":material/…:" page icon from fonts.gstatic.com; an emoji is
    # drawn inline (a data: URL), so a page makes no request outside the server
    source = (ROOT / "app.py").read_text()
    icon = source.split("page_icon=", 1)[1].split(",", 1)[0].strip()
    assert not icon.strip("\"'").startswith(":")
