"""``pm list packages`` and ``dumpsys package``: which apps exist, and what each one holds.

``pm list packages`` (PackageManagerShellCommand.runListPackages) prints one line per app::

    package:/data/app/~~Ab==/com.example-Cd==/base.apk=com.example versionCode:42  installer=null uid:10234

``dumpsys package`` (Settings.dumpPackageLPr, dumpSharedUsersLPr) is a tree drawn with spaces. Only
three of its top-level sections matter here: ``Packages:``, ``Hidden system packages:`` (the factory
copy of an updated system app) and ``Shared users:`` (where the runtime grants of sharedUserId apps
live). Everything else in a full dump (resolver tables, ``Permissions:``, ``Key Set Manager:``,
``Dexopt state:`` …) is skipped without being looked at line by line, because it is most of the text.

Inside a section the depth of a line is its indentation, fixed by the ``"  "`` prefix AOSP passes
down (docs/android-platform.md §3.1)::

      Package [com.example] (1a2b3c):          2  a block
        appId=10234                            4  package fields, list headers, ``User N:`` lines
          android.permission.INTERNET: …       6  list items, and the per-user lines of a User block
            android.permission.CAMERA: …       8  runtime permissions (and other per-user lists)

The parser is a single pass over the lines of those sections with ``str`` methods only. Lines it
does not understand are kept in the ``unknown`` tuple of the enclosing package or shared user (or of
the dump); known fields the model does not carry (ABIs, library lists, component lists, overlay
paths …) are recognised and skipped. Several per-package dumps may be concatenated, each part
optionally preceded by a ``##auditor##`` marker line; a package or shared user seen more than once is
merged, and so are repeated ``User N:`` blocks of one user (an OEM quirk seen on ASUS Android 15).
"""

from __future__ import annotations

from auditor.parse.packages.dumpsys import parse_dumpsys_package
from auditor.parse.packages.listing import parse_pm_list_packages

__all__ = ["parse_dumpsys_package", "parse_pm_list_packages"]
