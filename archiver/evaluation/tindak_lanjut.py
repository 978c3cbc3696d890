"""Tindak lanjut (follow-up recommendations) per predikat: editable text with Indonesian defaults.

The administrator edits ``tindak_lanjut.toml`` next to ``watch_config.toml``
(``archiver eval tindak-lanjut --write`` creates it with the defaults). Keys are the
predikat keys; an unknown key stops with a message naming it.

    [tindak_lanjut]
    sangat_baik = "..."
"""

from __future__ import annotations

import difflib
import tomllib
from pathlib import Path

from ..errors import ConfigError
from ..i18n import _, ngettext
from .rules import Predikat

FILE_NAME = "tindak_lanjut.toml"

DEFAULTS: dict[Predikat, str] = {
    Predikat.SANGAT_BAIK: (
        "Dipertahankan dan ditingkatkan. Pegawai dipertimbangkan untuk penghargaan, pengembangan "
        "karier dan talenta, serta prioritas pengembangan kompetensi."),
    Predikat.BAIK: (
        "Dipertahankan. Pegawai diikutsertakan dalam pengembangan kompetensi sesuai kebutuhan jabatan."),
    Predikat.BUTUH_PERBAIKAN: (
        "Pejabat Penilai Kinerja melakukan pembinaan melalui dialog kinerja dan menyusun rencana "
        "perbaikan kinerja bersama pegawai untuk periode berikutnya."),
    Predikat.KURANG: (
        "Pembinaan dan pengawasan intensif oleh Pejabat Penilai Kinerja; pelanggaran perilaku kerja "
        "ditindaklanjuti sesuai ketentuan disiplin Pegawai ASN."),
    Predikat.SANGAT_KURANG: (
        "Pembinaan intensif dan pertimbangan penjatuhan sanksi sesuai ketentuan peraturan "
        "perundang-undangan."),
}


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_default_file() -> str:
    lines = [
        "# Tindak lanjut (rekomendasi) per predikat kinerja pegawai.",
        "# Teks ini dicetak pada Dokumen Evaluasi Kinerja Pegawai (CATATAN/REKOMENDASI).",
        "# Ubah teksnya sesuai kebijakan instansi; jangan ubah nama kuncinya.",
        "",
        "[tindak_lanjut]",
    ]
    for p in reversed(list(Predikat)):
        lines.append(f"# {p.label}")
        lines.append(f"{p.key} = {_quote(DEFAULTS[p])}")
    return "\n".join(lines) + "\n"


def load_tindak_lanjut(folder: Path | None) -> dict[Predikat, str]:
    """Texts per predikat: defaults, overridden by ``folder/tindak_lanjut.toml`` when it exists."""
    texts = dict(DEFAULTS)
    if folder is None:
        return texts
    file = folder / FILE_NAME
    if not file.is_file():
        return texts
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(_("{file}: not valid TOML: {error}").format(file=file, error=exc),
                          hint=_('write sangat_baik = "teks..." (text in quotes)')) from None
    table = data.get("tindak_lanjut")
    problems = [_("(top level): unknown key {key!r}; only [tindak_lanjut] belongs here").format(key=k)
                for k in data if k != "tindak_lanjut"]
    if not isinstance(table, dict):
        problems.append(_("[tindak_lanjut] table is missing"))
        table = {}
    keys = {p.key: p for p in Predikat}
    for k, v in table.items():
        if k not in keys:
            guess = difflib.get_close_matches(k, list(keys), n=1)
            if guess:
                problems.append(_("[tindak_lanjut]: unknown key {key!r}; did you mean {guess!r}? known keys: {known}")
                                .format(key=k, guess=guess[0], known=", ".join(keys)))
            else:
                problems.append(_("[tindak_lanjut]: unknown key {key!r}; known keys: {known}")
                                .format(key=k, known=", ".join(keys)))
        elif not isinstance(v, str) or not v.strip():
            problems.append(_("[tindak_lanjut] {key}: write the text in double quotes").format(key=k))
        else:
            texts[keys[k]] = v.strip()
    if problems:
        raise ConfigError(ngettext("{file}: {n} problem", "{file}: {n} problems", len(problems))
                          .format(file=file, n=len(problems)), details=problems)
    return texts
