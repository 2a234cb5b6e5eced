"""A typed spool: per-device records written to a temporary file and read back in order.

Why: the device table and the violations of a fleet grow with the number of devices (a strict
policy on 5,000 phones can give hundreds of thousands of violations). Holding them until the HTML
page is written would make memory grow with the fleet; a spool keeps one record at a time in
memory and lets the page template iterate over them. Records are dataclasses of the model, stored
as JSON lines through the same mapping as the audit report (``auditor.serial``).
"""

from __future__ import annotations

import json
import pickle
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Generic, TypeVar

from auditor.serial import from_data, to_data

R = TypeVar("R")


class Spool(Generic[R]):
    """Append records of type ``cls``; iterate over them (as often as needed) in the order written."""

    def __init__(self, cls: type[R], directory: Path | None = None) -> None:
        self.cls = cls
        self.count = 0
        self._file = tempfile.TemporaryFile(mode="w+b", dir=directory)  # noqa: SIM115 - closed by close()

    def append(self, record: R) -> None:
        self._file.write(json.dumps(to_data(record), ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
        self._file.write(b"\n")
        self.count += 1

    def __iter__(self) -> Iterator[R]:
        self._file.flush()
        self._file.seek(0)
        for line in self._file:
            yield from_data(self.cls, json.loads(line))
        self._file.seek(0, 2)

    def __len__(self) -> int:
        return self.count

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> Spool[R]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class ObjectSpool(Generic[R]):
    """Append any picklable objects; iterate over them once more, in the order written.

    For the run's own worker results (summaries with their export bytes), held back until every
    input is read, because only then is it known which capture of a phone is the newest. Pickle is
    safe here: the file is a private temporary file this process wrote, never an input.
    """

    def __init__(self, directory: Path | None = None) -> None:
        self.count = 0
        self._file = tempfile.TemporaryFile(mode="w+b", dir=directory)  # noqa: SIM115 - closed by close()

    def append(self, record: R) -> None:
        pickle.dump(record, self._file, protocol=pickle.HIGHEST_PROTOCOL)
        self.count += 1

    def __iter__(self) -> Iterator[R]:
        self._file.flush()
        self._file.seek(0)
        for _ in range(self.count):
            yield pickle.load(self._file)  # noqa: S301 - our own temporary file, see the class doc
        self._file.seek(0, 2)

    def close(self) -> None:
        self._file.close()
