"""Pure parsers: Android command output (text) in, typed model objects (``auditor.model``) out.

No I/O, no device, no globals. Lines a parser does not understand are kept in ``unknown``; nothing
here raises on bad input (see ``auditor.parse.text`` for decoding raw bytes first).
"""
