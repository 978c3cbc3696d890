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
        raise ConfigError(f"{file}: not valid TOML: {exc}",
                          hint='write sangat_baik = "teks..." (text in quotes)') from None
    table = data.get("tindak_lanjut")
    problems = [f"(top level): unknown key {k!r}; only [tindak_lanjut] belongs here"
                for k in data if k != "tindak_lanjut"]
    if not isinstance(table, dict):
        problems.append("[tindak_lanjut] table is missing")
        table = {}
    keys = {p.key: p for p in Predikat}
    for k, v in table.items():
        if k not in keys:
            guess = difflib.get_close_matches(k, list(keys), n=1)
            problems.append(f"[tindak_lanjut]: unknown key {k!r}; "
                            + (f"did you mean {guess[0]!r}? " if guess else "") + f"known keys: {', '.join(keys)}")
        elif not isinstance(v, str) or not v.strip():
            problems.append(f"[tindak_lanjut] {k}: write the text in double quotes")
        else:
            texts[keys[k]] = v.strip()
    if problems:
        raise ConfigError(f"{file}: {len(problems)} problem(s)", details=problems)
    return texts
