"""The signature worker: checks one PDF in a child process under limits.

    python -m archiver.signing.worker MEMORY_MB CPU_SECONDS < request.json > answer.json

The request is ``{"path": ..., "roots": [PEM files]}``; the answer is a ``SignatureCheck``
as JSON. The address space and the CPU time are capped (RLIMIT_AS, RLIMIT_CPU); the parent
also kills it after ``[sign] check_timeout_seconds``. Nothing else is written to stdout.
"""

from __future__ import annotations

import json
import os
import resource
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    memory_mb, cpu_s = int(argv[1]), int(argv[2])
    resource.setrlimit(resource.RLIMIT_AS, (memory_mb * 1024 * 1024,) * 2)
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s + 1))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    answers = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # a library that prints must not corrupt the answer
    request = json.loads(sys.stdin.read())
    from ..i18n import deferred
    from ._validate import validate_file

    try:
        check = validate_file(Path(request["path"]), list(request["roots"]))
        answer = check.as_dict()
    except MemoryError:
        answer = {"state": "error", "summary": deferred("cannot be checked: it needs more than {mb} MB of memory",
                                                        mb=memory_mb), "signatures": []}
    except RecursionError:
        answer = {"state": "error", "summary": deferred("cannot be checked: the PDF structure is nested too deeply"),
                  "signatures": []}
    except Exception as exc:  # noqa: BLE001 - a broken PDF is an answer, not a crash
        answer = {"state": "error", "signatures": [],
                  "summary": deferred("cannot be checked: the PDF cannot be read ({error})",
                                      error=(type(exc).__name__ + ": " + str(exc))[:300])}
    answers.write(json.dumps(answer, ensure_ascii=False))
    answers.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
