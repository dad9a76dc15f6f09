"""``wpsb-devnet`` (or ``python -m devnet``) ``--port N --data DIR --block-interval S --chain steem|hive``."""

from __future__ import annotations

import argparse

from devnet.server import run


def main() -> None:
    parser = argparse.ArgumentParser(prog="wpsb-devnet", description="Local Steem-compatible JSON-RPC node")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--data", default=None, help="directory for the journal (state survives restarts)")
    parser.add_argument("--block-interval", type=float, default=3.0,
                        help="seconds between blocks; 0 = a block per accepted transaction")
    parser.add_argument("--chain", choices=("steem", "hive"), default="steem",
                        help="steem (STEEM/SBD, STEEM_ config keys) or hive (HIVE/HBD, HIVE_ config keys)")
    parser.add_argument("--smt", action="store_true",
                        help="an SMT build: SMT operations, NAI assets and the SMT read APIs")
    args = parser.parse_args()
    run(args.port, args.data, args.block_interval, args.chain, args.smt)


if __name__ == "__main__":
    main()
