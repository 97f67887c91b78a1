"""The command line: what an administrator does on the server, the same code as the Admin page.

    icsdash access create --role place_director --place QOP-bolton --label "Bolton place lead"
    icsdash access list
    icsdash access revoke K7Q2XH
    icsdash round add 2026/27
    icsdash round list

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

from .config import load_config
from .errors import IcsdashError
from .reference import load_reference
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
    create.add_argument("--place", help="place code, for place directors (e.g. QOP-bolton)")
    create.add_argument("--label", default="", help="who the code is for")
    access.add_parser("list", help="list codes (never the secrets)")
    revoke = access.add_parser("revoke", help="revoke a code by its first part")
    revoke.add_argument("lookup_id")
    rounds = commands.add_parser("round", help="assessment rounds").add_subparsers(dest="action", required=True)
    add = rounds.add_parser("add", help="open a new round")
    add.add_argument("label")
    rounds.add_parser("list", help="list rounds, oldest first")
    args = parser.parse_args(argv)

    try:
        config = load_config(Path(args.config))
        store = Store.open(config.database_url)
        if args.command == "access" and args.action == "create":
            places = set(load_reference(config.data_dir).places["place_code"])
            print(store.create_access_code(_actor(), args.role, args.place, args.label, known_places=places))
        elif args.command == "access" and args.action == "list":
            print(store.access_codes().to_string(index=False))
        elif args.command == "access" and args.action == "revoke":
            store.revoke_access_code(_actor(), args.lookup_id)
            print(f"revoked {args.lookup_id}")
        elif args.command == "round" and args.action == "add":
            store.add_round(_actor(), args.label)
            print(f"opened round {args.label}")
        else:
            print("\n".join(store.round_labels()))
    except IcsdashError as error:
        print(f"icsdash: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
