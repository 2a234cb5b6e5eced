"""The command line: options in, one call into the core, exit code out.

Exit codes: 0 done, 2 a usage or input problem (one line on stderr, never a traceback).
"""

from __future__ import annotations

import logging
import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from auditor import __version__
from auditor.acquire.apks import ApkSelection
from auditor.acquire.keyoption import age_key_option
from auditor.errors import AuditorError
from auditor.report.formats import APK, ApkFormat, DiffFormat, ReportFormat
from auditor.report.output import STDOUT, check_file_target, check_folder_target, ensure_folder
from auditor.sanitise import shown
from auditor.ui import LogFormatter, TerminalConsole

if TYPE_CHECKING:
    from auditor.acquire.adb import DeviceTarget
    from auditor.model import SnapshotManifest

app = typer.Typer(
    name="auditor",
    help=(
        "Audit what every app on an Android phone can reach and has reached: permissions and their "
        "real grant state, app-op history, special accesses (accessibility, notification access, "
        "device admin, roles) — from a live phone over ADB, a snapshot, a bug report or an androidqf acquisition."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# Every message names things others wrote (a phone's model, a file name, an exception quoting either):
# untrusted parts go through ``shown``, and these consoles neutralise any control character left.
err = TerminalConsole(stderr=True)
out = TerminalConsole()

DEFAULT_REPORTS = Path("reports")


def _fail(message: str) -> typer.Exit:
    err.print(f"[red]error:[/red] {shown(message)}", markup=True, highlight=False, soft_wrap=True)
    return typer.Exit(2)


def _version(value: bool) -> None:
    if value:
        out.print(f"auditor {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log what the core does (debug level).")] = False,
) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(LogFormatter("%(name)s: %(message)s"))  # log messages quote devices and files
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING, handlers=[handler])


ApksOpt = Annotated[
    ApkSelection | None,
    typer.Option(
        "--apks",
        help="Also pull the APKs (third-party apps; '--apks=all' for system apps too) and analyse them: "
        "labels, signers, trackers, exported components. Already-analysed APKs are not pulled again.",
        show_default=False,
    ),
]


SerialOpt = Annotated[
    str | None,
    typer.Option(
        "--serial",
        "-s",
        help="The device to use (see 'auditor devices'); default: $ANDROID_SERIAL, as for adb.",
        show_default=False,
    ),
]
RedactKeyOpt = Annotated[
    Path | None,
    typer.Option(
        "--redact-key-file",
        help="The key for --redact's hashes (else $AUDITOR_REDACT_KEY, else a random key for this run only: its "
        "hashes link to no other run).",
        show_default=False,
    ),
]
KeyOpt = Annotated[
    Path | None,
    typer.Option(
        "--key",
        help="An age identity file (AGE-SECRET-KEY-1…, as age-keygen writes) to open androidqf's encrypted "
        "acquisitions (<UUID>.zip.age); they are decrypted in memory, never to disk.",
        show_default=False,
    ),
]
IocsOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--iocs",
        help="More indicators of known spyware to match, with the bundled stalkerware list: a STIX2 bundle (as MVT "
        "and Amnesty publish them) or an Echap-style YAML file, or a folder of them; repeatable. $AUDITOR_IOCS "
        "names a folder loaded every time.",
        show_default=False,
    ),
]
TcpOpt = Annotated[
    str | None,
    typer.Option("--tcp", help="Reach the device over TCP at HOST:PORT (adb over Wi-Fi).", show_default=False),
]


def _target(serial: str | None, tcp: str | None) -> DeviceTarget:
    """The device the user means; with several attached, list them and ask (when someone can answer)."""
    from auditor.acquire.adb import SeveralDevicesError, select_target, server_setting

    # adb's own conventions: $ANDROID_SERIAL when no --serial, the server of $ADB_SERVER_SOCKET or
    # $ANDROID_ADB_SERVER_PORT. Read here, not as the option's default, so `audit PATH` with
    # ANDROID_SERIAL exported is not taken for "PATH and --serial".
    if serial is None and tcp is None:
        serial = os.environ.get("ANDROID_SERIAL") or None
    try:
        return select_target(serial=serial, tcp=tcp, server=server_setting())
    except SeveralDevicesError as e:
        if not sys.stdin.isatty():
            raise
        for i, h in enumerate(e.devices, 1):
            out.print(f"  {i}. {shown(h.serial)}  {shown(h.model or '?')}  Android {shown(h.android_release or '?')}")
        choice = typer.prompt("Which device", type=int, default=1)
        if not 1 <= choice <= len(e.devices):
            raise _fail(f"no device number {choice}") from None
        chosen: DeviceTarget = e.devices[choice - 1].target
        return chosen


def _collect(
    target: DeviceTarget, out_dir: Path, *, resume: bool = False, apks: ApkSelection | None = None
) -> SnapshotManifest:
    from auditor.acquire.collect import collect
    from auditor.ui import RichObserver

    try:
        with RichObserver(err) as observer:
            manifest = collect(target, out_dir, observer=observer, resume=resume, apks=apks)
    except KeyboardInterrupt as e:
        # Here, not in main(): typer turns Ctrl-C into a bare exit 130 before main() sees it. A collection
        # says where its partial snapshot is and the command that completes it; the wait to connect says nothing.
        detail = f": {e}" if str(e) else ""
        err.print(f"interrupted{shown(detail)}", highlight=False, soft_wrap=True)
        raise typer.Exit(130) from None
    for note in manifest.notes:
        if note.level.value != "info":
            err.print(f"[yellow]{shown(note.section)}:[/yellow] {shown(note.message)}", soft_wrap=True)
    return manifest


def _snapshot_dir_for(manifest_serial: str | None) -> Path:
    from datetime import UTC, datetime

    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in (manifest_serial or "device"))[:60]
    return DEFAULT_REPORTS / f"snapshot-{safe}-{stamp}"


@app.command()
def audit(
    path: Annotated[
        Path | None,
        typer.Argument(
            help="A snapshot directory (manifest.json + raw/), an Android bug report (zip, unzipped folder or "
            "dumpstate text), or an androidqf acquisition (folder, .zip, or .zip.age with --key). "
            "Leave out to collect from the attached phone first.",
            show_default=False,
        ),
    ] = None,
    out_path: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Where to write the report ('-' for standard output). Default: reports/."),
    ] = None,
    fmt: Annotated[
        ReportFormat | None,
        typer.Option("--format", "-f", help="Report format (default: from --out's extension, else html)."),
    ] = None,
    serial: SerialOpt = None,
    tcp: TcpOpt = None,
    apks: ApksOpt = None,
    weights_file: Annotated[
        Path | None,
        typer.Option(
            "--weights",
            help="A JSON file of scoring weights merged over the built-in ones (the report records which were used).",
            show_default=False,
        ),
    ] = None,
    redact: Annotated[
        bool,
        typer.Option(
            "--redact",
            help="Share without naming anyone: the serial becomes a keyed hash; personal user names, account "
            "names and the source path are removed. Apps, permissions and scores stay.",
        ),
    ] = False,
    redact_key_file: RedactKeyOpt = None,
    key_file: KeyOpt = None,
    iocs: IocsOpt = None,
) -> None:
    """Audit a device's data: every app of every user, its permissions, grants, app-ops and special accesses.

    With a PATH, audits that saved data. Without one, collects from the phone first (read-only; the
    snapshot is kept in reports/ as evidence), then audits it.

    Example: auditor audit snapshot/ --format html --out report.html
    """
    from auditor.iocs import Indicators
    from auditor.pipeline import audit_path
    from auditor.report.formats import AUDIT, FormatError
    from auditor.report.terminal import print_summary
    from auditor.score import load_weights

    try:
        fmt = AUDIT.choose(fmt, out_path)
    except FormatError as e:
        raise _fail(str(e)) from None
    weights = load_weights(weights_file) if weights_file is not None else None
    indicators = Indicators.load(iocs or ())  # a bad indicator file fails before a long collection
    key = age_key_option(key_file)
    if redact:  # read the key before a long audit, so a bad key file fails at once
        from auditor.fleet.redact import load_key, redact_report

        redact_key = load_key(redact_key_file)
    if path is not None and (serial or tcp or apks):
        raise _fail("give either a PATH to audit or --serial/--tcp/--apks to collect, not both")
    if out_path is not None and out_path != STDOUT:
        check_file_target(out_path)  # a bad --out fails before a long collection or audit
    if out_path is None or path is None:
        ensure_folder(DEFAULT_REPORTS)  # the default place of reports and kept snapshots
    if path is None:
        target = _target(serial, tcp)
        # A redacted audit must not name the device in its file names either.
        path = _snapshot_dir_for("redacted" if redact else getattr(target, "serial", None) or str(target))
        _collect(target, path, apks=apks)
        err.print(f"Snapshot kept in {shown(path)}")
    report = audit_path(path, weights=weights, key=key, indicators=indicators)
    if redact:
        report = redact_report(report, redact_key)
    destination = out_path or DEFAULT_REPORTS / f"{path.resolve().name or 'audit'}{AUDIT.extension(fmt)}"
    AUDIT.write(report, fmt, destination)
    if destination == STDOUT:
        print_summary(report, err)
    else:
        print_summary(report, out, written_to=str(destination))


@app.command()
def devices(
    tcp: Annotated[
        list[str] | None, typer.Option("--tcp", help="Also probe a TCP target HOST:PORT (repeatable).")
    ] = None,
    no_usb: Annotated[bool, typer.Option("--no-usb", help="Do not look for USB devices directly.")] = False,
) -> None:
    """List every device this computer can reach: through a running adb server, over USB, and --tcp targets.

    The adb server asked is the official client's: $ADB_SERVER_SOCKET (tcp:HOST:PORT), else
    $ANDROID_ADB_SERVER_PORT, else 127.0.0.1:5037. Direct connections also try the keys of $ADB_VENDOR_KEYS.

    Example: auditor devices --tcp 192.168.1.20:5555
    """
    from auditor.acquire.adb import discover, server_setting
    from auditor.ui import print_devices

    print_devices(discover(server=server_setting(), usb=not no_usb, tcp=tcp or ()), out)


@app.command()
def collect(
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="The snapshot directory to write.")],
    serial: SerialOpt = None,
    tcp: TcpOpt = None,
    resume: Annotated[
        bool,
        typer.Option("--resume", help="Complete an interrupted snapshot in --out without redoing finished commands."),
    ] = False,
    apks: ApksOpt = None,
) -> None:
    """Collect a read-only snapshot from a phone: the verbatim output of every command of the plan, with a manifest.

    Example: auditor collect --out snapshot/ --apks
    """
    if check_folder_target(out_dir) and any(out_dir.iterdir()) and not resume:
        raise _fail(f"{out_dir} is not empty; use --resume to complete it, or choose another --out")
    from auditor.acquire.resume import resume_command

    target = _target(serial, tcp)
    manifest = _collect(target, out_dir, resume=resume, apks=apks)
    done = sum(c.status.value == "ok" for c in manifest.commands)
    state = "complete" if manifest.complete else f"INCOMPLETE (complete it with: {resume_command(out_dir, target)})"
    out.print(
        f"Snapshot {shown(state)}: {done}/{len(manifest.commands)} commands ok, written to {shown(str(out_dir))}",
        soft_wrap=True,
    )
    if not manifest.complete:
        raise typer.Exit(1)


@app.command()
def demo(
    apps: Annotated[int, typer.Option(help="How many apps the simulated device has.", min=31, max=20000)] = 60,
    out_dir: Annotated[Path, typer.Option("--out-dir", help="Where the report is written.")] = DEFAULT_REPORTS,
) -> None:
    """Audit the built-in simulated phone and write a report into reports/.

    A synthetic Android 14 device (two users, system and user apps, master keys, app-op history) is
    served by the built-in ADB device simulator on 127.0.0.1, collected over the real ADB protocol
    exactly as a phone would be, and audited.

    Example: auditor demo --apps 200
    """
    from auditor.demo import run_demo
    from auditor.report.terminal import print_summary
    from auditor.ui import RichObserver

    ensure_folder(out_dir)  # before the progress display, so a refusal is the only line
    with RichObserver(err) as observer:
        report, written = run_demo(out_dir, n_apps=apps, observer=observer)
    print_summary(report, out, written_to=str(written))


@app.command()
def apk(
    files: Annotated[list[Path], typer.Argument(help="APK files to analyse.", show_default=False)],
    fmt: Annotated[ApkFormat, typer.Option("--format", "-f", help="Output format.")] = APK.for_stdout,
    trackers_file: Annotated[
        Path | None,
        typer.Option("--trackers", help="A newer Exodus Privacy tracker export (same shape as the bundled one)."),
    ] = None,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Analyse again even when the cache has a result.")
    ] = False,
) -> None:
    """Analyse APK files offline: manifest facts, exported components, network security, signer, trackers.

    Each APK is analysed in an isolated worker with a time limit and a memory cap; a broken or hostile
    APK gives a degraded or skipped result with the reason. Results are cached by SHA-256.
    Exit code 0, or 2 when an input was unusable.

    Example: auditor apk app.apk --format json
    """
    from auditor.apk import ApkCache, analyse_apks, exit_status, load_trackers

    trackers = load_trackers(trackers_file)
    cache = None if no_cache else ApkCache()
    results = analyse_apks(files, trackers=trackers, cache=cache)
    APK.write(results, fmt, STDOUT)
    raise typer.Exit(exit_status(results))


class SynthForm(StrEnum):
    """``auditor.acquire.synthetic.forms.Form``'s values: the command line starts without the generator (a test
    keeps the two equal)."""

    BUGREPORT_ZIP = "bugreport"
    BUGREPORT_FOLDER = "bugreport-folder"
    ANDROIDQF_FOLDER = "androidqf"
    ANDROIDQF_ZIP = "androidqf-zip"
    ANDROIDQF_AGE = "androidqf-age"


@app.command()
def synth(
    out_dir: Annotated[Path, typer.Argument(help="Directory to write the synthetic snapshot into.")],
    apps: Annotated[int, typer.Option(help="How many apps the synthetic device has.", min=31, max=50000)] = 500,
    seed: Annotated[int, typer.Option(help="Random seed (the same seed gives the same bytes).")] = 0,
    form: Annotated[
        SynthForm | None,
        typer.Option(
            "--form",
            help="Write the same device as another tool would: a bug report zip or its unzipped folder, an "
            "androidqf folder, its zip, or that zip encrypted with age (with --recipient). Default: a snapshot.",
            show_default=False,
        ),
    ] = None,
    recipient: Annotated[
        str | None,
        typer.Option("--recipient", help="The age public key (age1…) an androidqf-age form is encrypted to."),
    ] = None,
    threats: Annotated[
        bool,
        typer.Option(
            "--threats",
            help="Plant known threats (a listed stalkerware app, an app signed with a spy vendor's certificate under "
            "an innocent name, a watchware app) and unsafe settings; also writes threats.stix2 naming that "
            "certificate, for --iocs.",
        ),
    ] = False,
) -> None:
    """Write a synthetic device snapshot (for trying the tool, tests and benchmarks), or the same device as a
    bug report or an androidqf acquisition (--form): every form audits to the same device.

    Example: auditor synth synth/ --apps 500 --seed 7
    """
    from auditor.acquire.synthetic import MIN_APPS, write_synthetic
    from auditor.acquire.synthetic.forms import Form, write_form
    from auditor.acquire.synthetic.threats import THREAT_APPS, write_threat_stix

    if threats and apps < MIN_APPS + THREAT_APPS:
        raise _fail(f"--threats needs --apps {MIN_APPS + THREAT_APPS} or more (the threats take three places)")
    if form is None:
        write_synthetic(out_dir, apps, seed=seed, threats=threats)
        written = out_dir
    else:
        written = write_form(out_dir, Form(form.value), apps, seed=seed, recipient=recipient, threats=threats)
    out.print(f"Synthetic {form.value if form else 'snapshot'} with {apps} apps written to {shown(written)}")
    if threats:
        out.print(f"Indicators for --iocs written to {shown(write_threat_stix(out_dir))}")


class FleetExportFormat(StrEnum):
    csv = "csv"
    jsonl = "jsonl"
    both = "both"


@app.command()
def fleet(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="Audit JSONs (plain or .gz), snapshot directories, bug reports, androidqf acquisitions (folders, "
            ".zip, .zip.age with --key), or folders holding any of them (searched recursively).",
            show_default=False,
        ),
    ],
    out_path: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="The fleet page (one self-contained HTML file; '-' for standard output). Default: reports/fleet.html.",
            show_default=False,
        ),
    ] = None,
    policy_file: Annotated[
        Path | None,
        typer.Option(
            "--policy",
            help="An organisation's rules (TOML; see examples/). Violations are listed per device with their "
            "evidence, and the exit code is 1 when there is any.",
            show_default=False,
        ),
    ] = None,
    export_dir: Annotated[
        Path | None,
        typer.Option(
            "--export-dir",
            help="Also write tidy tables (devices, apps, permissions, special_access, trackers, findings, "
            "violations, inventory) for DuckDB, BigQuery or a spreadsheet.",
            show_default=False,
        ),
    ] = None,
    export_format: Annotated[
        FleetExportFormat, typer.Option("--export-format", help="CSV, JSON Lines, or both.")
    ] = FleetExportFormat.both,
    jobs: Annotated[
        int | None,
        typer.Option("--jobs", "-j", min=1, help="Worker processes (default: one per core).", show_default=False),
    ] = None,
    redact: Annotated[
        bool,
        typer.Option(
            "--redact",
            help="Serials become keyed hashes; personal user names, account names and source paths are removed.",
        ),
    ] = False,
    redact_key_file: RedactKeyOpt = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit 2 when any input had to be skipped (default: list them, go on).")
    ] = False,
    key_file: KeyOpt = None,
    iocs: IocsOpt = None,
) -> None:
    """Review many devices at once: inventory, prevalence, trackers, the worst apps and devices, and a policy.

    Each input is audited (or read back) in parallel and folded into the fleet view, so memory does not
    grow with the number of devices. An unusable input is skipped with its reason; the run goes on.
    Exit code: 0 no violation, 1 any policy violation, 2 no usable input (or a malformed policy).

    Example: auditor fleet audits/ --policy policy.toml --out fleet.html
    """
    from auditor.fleet import ExportFormat, load_key, load_policy, run_fleet
    from auditor.ui import RichObserver

    formats = (
        (ExportFormat.CSV, ExportFormat.JSONL)
        if export_format is FleetExportFormat.both
        else (ExportFormat(export_format.value),)
    )
    if out_path is None:
        out_path = ensure_folder(DEFAULT_REPORTS) / "fleet.html"
    elif out_path != STDOUT:
        check_file_target(out_path)  # before the progress display, so the refusal is the only line
    if export_dir is not None:
        check_folder_target(export_dir)
    try:
        policy = load_policy(policy_file) if policy_file is not None else None
        key = load_key(redact_key_file) if redact else None
        age_key = age_key_option(key_file)
        with RichObserver(err) as observer:
            result = run_fleet(
                paths,
                html=out_path,
                policy=policy,
                export_dir=export_dir,
                export_formats=formats,
                jobs=jobs,
                redact=key,
                observer=observer,
                key=age_key,
                iocs=iocs or (),
            )
    except AuditorError as e:
        raise _fail(str(e)) from None  # _fail escapes: policy errors name TOML tables like "[exposure]"
    from auditor.ui import print_fleet_result

    # With the page on standard output (--out -), the summary goes to standard error, as for an audit.
    summary = err if out_path == STDOUT else out
    print_fleet_result(
        result, err, summary, with_policy=policy is not None, redacted_ephemeral=key is not None and key.ephemeral
    )
    raise typer.Exit(result.exit_code(strict=strict))


@app.command()
def iocs(
    files: Annotated[
        list[Path] | None,
        typer.Argument(help="Indicator files or folders to load besides the bundled list.", show_default=False),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="The lists as JSON (what a report records).")] = False,
) -> None:
    """List the indicator lists an audit matches against: the bundled Echap stalkerware list, $AUDITOR_IOCS and
    FILES, each with its version, origin and counts. A bad file is one line naming it (exit 2).

    Example: auditor iocs pegasus.stix2
    """
    from auditor.iocs.listing import describe

    out.print(describe(files or (), as_json=as_json), markup=False, highlight=False, soft_wrap=True)


@app.command()
def diff(
    old: Annotated[Path, typer.Argument(help="The earlier capture (or APK).", show_default=False)],
    new: Annotated[Path, typer.Argument(help="The later capture (or APK).", show_default=False)],
    fmt: Annotated[
        DiffFormat | None,
        typer.Option("--format", "-f", help="Output format (default: from --out's extension, else text)."),
    ] = None,
    out_path: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write to this file instead of standard output.")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Compare even when the inputs look like different devices or apps.")
    ] = False,
    key_file: KeyOpt = None,
) -> None:
    """What changed on one device between two captures, or in one app between two APKs.

    OLD and NEW are audit JSONs, snapshots, bug reports or androidqf acquisitions of the same device, or two
    APKs of the same app. Lists apps added, removed and updated, permissions newly granted or revoked,
    special accesses turned on or off, trackers added or removed, and exposure changes with their
    reasons; a signer change is flagged. Exit code: 0 no change, 1 changes, 2 unusable input.

    Example: auditor diff old/ new/ --format html --out d.html
    """
    from auditor.fleet.diff import diff_paths
    from auditor.report.formats import DIFF

    target = out_path or STDOUT
    chosen = DIFF.choose(fmt, target)
    if target != STDOUT:
        check_file_target(target)  # before reading two captures
    try:
        result = diff_paths(old, new, force=force, key=age_key_option(key_file))
    except AuditorError as e:
        raise _fail(str(e)) from None
    DIFF.write(result, chosen, target)
    if target != STDOUT:
        err.print(f"Diff written to {shown(target)}", highlight=False)
    raise typer.Exit(1 if result.changed else 0)


def _apks_flag(args: list[str]) -> list[str]:
    """``--apks`` alone means ``--apks=third-party`` (an option with an optional value, which typer lacks)."""
    values = {s.value for s in ApkSelection}
    fixed: list[str] = []
    for i, arg in enumerate(args):
        if arg == "--apks" and (i + 1 == len(args) or args[i + 1] not in values):
            fixed.append(f"--apks={ApkSelection.THIRD_PARTY.value}")
        else:
            fixed.append(arg)
    return fixed


def main() -> None:
    """Entry point: runs the app and turns user-facing errors into one line and exit code 2."""
    try:
        app(args=_apks_flag(sys.argv[1:]))
    except AuditorError as e:
        err.print(f"[red]error:[/red] {shown(e)}", highlight=False, soft_wrap=True)
        sys.exit(2)
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
    except Exception as e:  # noqa: BLE001 - last line of defence: one line, no traceback for users
        if os.environ.get("AUDITOR_DEBUG"):
            raise
        err.print(
            f"[red]internal error:[/red] {type(e).__name__}: {shown(e)} (set AUDITOR_DEBUG=1 for details)",
            highlight=False,
            soft_wrap=True,
        )
        sys.exit(3)
