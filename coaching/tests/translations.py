"""The Chinese of this branch's messages in tests until the lead merges
locale/zh_Hans/LC_MESSAGES/pending-targets.po into django.po (then it is a no-op)."""

import subprocess

import pytest


@pytest.fixture
def zh_messages(settings, tmp_path):
    pending = settings.BASE_DIR / "locale" / "zh_Hans" / "LC_MESSAGES" / "pending-targets.po"
    if pending.exists():
        folder = tmp_path / "zh_Hans" / "LC_MESSAGES"
        folder.mkdir(parents=True)
        subprocess.run(["msgfmt", "-o", str(folder / "django.mo"), str(pending)], check=True)
        # Listed first, so it wins over django.po; Django drops its catalogues when LOCALE_PATHS changes.
        settings.LOCALE_PATHS = [tmp_path, *settings.LOCALE_PATHS]
