"""The extraction worker: a child process that parses untrusted files under limits.

    python -m archiver.extract.worker MEMORY_MB

Reads requests from stdin and writes answers to stdout, each a 4-byte length and a pickle
(the parent is its only peer). Its address space is capped (RLIMIT_AS); a timer stops
parsing after ``timeout_s``, and RLIMIT_CPU kills the worker (SIGXCPU) when parsing is
stuck in C code the timer cannot interrupt. OCR children have their own limits. The
parent also kills it when an answer is late, then starts a new one.
"""

from __future__ import annotations

import os
import pickle
import resource
import signal
import struct
import sys
from pathlib import Path
from typing import Any, BinaryIO

HEADER = struct.Struct(">I")


#: CPU seconds allowed on top of ``timeout_s`` before the kernel stops a stuck parse.
CPU_GRACE_S = 5


class ParseTimeout(BaseException):
    """Raised by the parse timer; a BaseException, so libraries' ``except Exception`` cannot swallow it."""


def send(f: BinaryIO, obj: Any) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    f.write(HEADER.pack(len(data)) + data)
    f.flush()


def _read_exact(f: BinaryIO, n: int) -> bytes | None:
    data = f.read(n)
    return data if data and len(data) == n else None


def _on_alarm(_signum: int, _frame: Any) -> None:
    raise ParseTimeout()


def _cpu_budget(seconds: float) -> None:
    """RLIMIT_CPU counts the whole life of the process: allow ``seconds`` more from now."""
    use = resource.getrusage(resource.RUSAGE_SELF)
    _soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
    soft = int(use.ru_utime + use.ru_stime + seconds) + 1
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def serve(memory_mb: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (memory_mb * 1024 * 1024,) * 2)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # SIGXCPU must not leave core files behind
    requests = sys.stdin.buffer
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # a library that prints must not corrupt the answers
    signal.signal(signal.SIGALRM, _on_alarm)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's business; it closes our stdin
    from PIL import Image

    from ..i18n import deferred
    from .formats import extract_in_process
    from .model import Extraction

    while (head := _read_exact(requests, HEADER.size)) is not None:
        body = _read_exact(requests, HEADER.unpack(head)[0])
        if body is None:
            break
        path, type_name, limits = pickle.loads(body)
        fatal = False
        Image.MAX_IMAGE_PIXELS = limits.max_pixels  # images inside PDFs too
        _cpu_budget(limits.timeout_s + CPU_GRACE_S)
        signal.setitimer(signal.ITIMER_REAL, limits.timeout_s)
        try:
            ex = extract_in_process(Path(path), type_name, limits)
        except ParseTimeout:
            ex = Extraction("failed", "", reason=deferred("no text: extraction timed out after {seconds} s",
                                                          seconds=format(limits.timeout_s, "g")), extractor="worker")
        except MemoryError:
            fatal = True
            ex = Extraction("failed", "", extractor="worker",
                            reason=deferred("no text: parsing needs more than {memory} MB of memory",
                                            memory=memory_mb))
        except RecursionError:
            ex = Extraction("failed", "", reason=deferred("no text: the file nests too deeply to parse"),
                            extractor="worker")
        except Exception as exc:  # one bad file must not end the worker
            ex = Extraction("failed", "", reason=deferred("no text: extractor error {error}",
                                                          error=(type(exc).__name__ + ": " + str(exc))[:450]),
                            extractor="worker")
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        send(answers, ex)
        if fatal:
            break


if __name__ == "__main__":
    serve(int(sys.argv[1]))
