"""The command line: what an administrator does on the server, the same code as the Admin page.

    icsdash access create --role place_director --place bolton --label "Bolton place lead"
    icsdash access list
    icsdash access revoke K7Q2XH
    icsdash round add 2026/27
    icsdash round list
    icsdash backup icsdash-backup.zip
    icsdash restore icsdash-backup.zip --yes
    icsdash template pcns --format xlsx --output pcns.xlsx
    icsdash import gp_practices gp-reg-pat-prac-map.csv --counts gp-reg-pat-prac-all.csv          (a preview)
    icsdash import gp_practices gp-reg-pat-prac-map.csv --counts gp-reg-pat-prac-all.csv --apply  (writes)

Every command reads ``config.yaml`` (``--config`` or ``ICSDASH_CONFIG``) and
the database it names (or ``DATABASE_URL``). Errors are one line on standard
error and exit status 2; nothing is written.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from . import backup, imports
from .config import load_config
from .errors import IcsdashError
from .framework import load_framework
from .geography import for_reference
from .reference import load_code_changes, load_reference, place_codes
from .store import Store


def _actor() -> str:
    try:
        return f"command line ({getpass.getuser()})"
    except Exception:  # noqa: BLE001 - no user name on some containers
        return "command line"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="icsdash", description="Administer an icsdash deployment.")
    parser.add_argument("--config", default=os.environ.get("ICSDASH_CONFIG", "config.yaml"),
                        help="the configuration file (default: ./config.yaml or $ICSDASH_CONFIG)")
    commands = parser.add_subparsers(dest="command", required=True)
    access = commands.add_parser("access", help="access codes").add_subparsers(dest="action", required=True)
    create = access.add_parser("create", help="create a code and print it (the only time it is shown)")
    create.add_argument("--role", required=True, choices=["place_director", "system_leader", "admin"])
    create.add_argument("--place", help="place code, for place directors (e.g. bolton)")
    create.add_argument("--label", default="", help="who the code is for")
    access.add_parser("list", help="list codes (never the secrets)")
    revoke = access.add_parser("revoke", help="revoke a code by its first part")
    revoke.add_argument("lookup_id")
    rounds = commands.add_parser("round", help="assessment rounds").add_subparsers(dest="action", required=True)
    add = rounds.add_parser("add", help="open a new round")
    add.add_argument("label")
    rounds.add_parser("list", help="list rounds, oldest first")
    dump = commands.add_parser("backup", help="write everything the database holds to one file")
    dump.add_argument("file")
    back = commands.add_parser("restore", help="replace the whole database with a backup (all or nothing)")
    back.add_argument("file")
    back.add_argument("--yes", action="store_true", help="confirm: the database's contents are replaced")
    template = commands.add_parser("template", help="write an import template with an example row")
    template.add_argument("kind", choices=[f.key for f in imports.FORMATS if f.template is not None])
    template.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    template.add_argument("--output", "-o", help="file to write (default: icsdash-KIND.FORMAT)")
    load = commands.add_parser("import", help="check a file and show what importing it would do; --apply writes it")
    load.add_argument("kind", choices=[f.key for f in imports.FORMATS],
                      help="; ".join(f"{f.key}: {f.label}" for f in imports.FORMATS))
    load.add_argument("file")
    load.add_argument("--counts", help="gp-reg-pat-prac-all.csv, for PCN list sizes ("
                      + " and ".join(f.key for f in imports.FORMATS if f.takes_counts) + ")")
    load.add_argument("--apply", action="store_true", help="write the accepted rows (one transaction)")
    args = parser.parse_args(argv)

    try:
        config = load_config(Path(args.config))
        store = Store.open(config.database_url, load_code_changes(config.data_dir), place_codes(config.data_dir))
        if args.command == "access" and args.action == "create":
            places = set(load_reference(config.data_dir).places["place_code"])
            print(store.create_access_code(_actor(), args.role, args.place, args.label, known_places=places))
        elif args.command == "access" and args.action == "list":
            print(store.access_codes().to_string(index=False))
        elif args.command == "access" and args.action == "revoke":
            store.revoke_access_code(_actor(), args.lookup_id)
            print(f"revoked {args.lookup_id}")
        elif args.command == "backup":
            print(f"wrote {args.file}: {backup.write_backup(store, args.file).describe()}")
        elif args.command == "restore":
            saved = backup.read_backup(args.file)
            if not args.yes:
                print(f"{args.file}: {saved.summary.describe()}. Nothing written: run again with --yes to replace "
                      "the database's whole contents with it.")
                return 0
            print(backup.restore(store, saved, _actor()).describe())
        elif args.command == "template":
            output = Path(args.output or f"icsdash-{args.kind}.{args.format}")
            output.write_bytes(imports.template(args.kind, load_framework(config.framework_path), args.format))
            print(f"wrote {output}")
        elif args.command == "import":
            return _import(config, store, args)
        elif args.command == "round" and args.action == "add":
            store.add_round(_actor(), args.label)
            print(f"opened round {args.label}")
        else:
            print("\n".join(store.round_labels()))
    except IcsdashError as error:
        print(f"icsdash: {error}", file=sys.stderr)
        return 2
    return 0


def _read(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise IcsdashError(f"cannot be read ({exc.strerror})", source=path) from None


def _import(config, store: Store, args) -> int:
    framework = load_framework(config.framework_path)
    reference = load_reference(config.data_dir, vintage=config.vintage)
    geography = for_reference(config.data_dir, reference)
    target = imports.target_for(config, framework, geography, store, reference.vintage)
    preview = imports.prepare(args.kind, _read(args.file), args.file, target,
                              _read(args.counts) if args.counts else None, args.counts, _actor())
    print(f"{preview.file_name} ({preview.encoding}): {preview.summary()}")
    for note in preview.notes:
        print(f"  note: {note}")
    for reject in preview.rejected:
        print(f"  rejected: line {reject.line}" + (f", {reject.column}" if reject.column else "") + f": {reject.reason}")
    if not args.apply:
        print("Nothing written (a preview). Run again with --apply to import.")
        return 0
    imports.apply(store, preview, _actor(), framework)
    print(f"imported: {preview.changes} row(s) written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
