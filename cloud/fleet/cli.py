"""`tandem pki ...` and `tandem fleet ...`: argparse wiring.

The root CLI (app/cli.py) calls `add_subcommands(sub)` with its own subparsers. Every
command works on a fleet directory (`--fleet-dir`, default $TANDEM_FLEET_DIR or ./fleet).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

import yaml

from contract.errors import TandemError
from contract.ports import host_port

DEFAULT_FLEET_DIR = Path(os.environ.get("TANDEM_FLEET_DIR", "fleet"))


def add_subcommands(subparsers: Any) -> None:
    """Register `pki` and `fleet`."""
    pki = subparsers.add_parser("pki", help="fleet CA, device certificates, signing keys")
    pcmd = pki.add_subparsers(dest="pki_command", metavar="COMMAND", required=True)
    init = pcmd.add_parser("init", help="create the fleet CA, broker/service certs, signing key")
    _fleet_dir(init)
    init.set_defaults(func=_cmd_pki_init)
    issue = pcmd.add_parser("issue", help="issue a device key + certificate (CN = DEVICE_ID)")
    issue.add_argument("device_id", metavar="DEVICE_ID")
    issue.add_argument("--group", action="append", default=[], help="a group (repeatable)")
    issue.add_argument("--user", help="the user whose memory the device may read")
    _fleet_dir(issue)
    issue.set_defaults(func=_cmd_pki_issue)
    revoke = pcmd.add_parser("revoke", help="revoke a device's certificate (stolen, retired)")
    revoke.add_argument("device_id", metavar="DEVICE_ID")
    _fleet_dir(revoke)
    revoke.set_defaults(func=_cmd_pki_revoke)
    rotate = pcmd.add_parser("rotate-key", help="add a new policy signing key (or --retire one)")
    rotate.add_argument("--retire", metavar="KEY_ID", help="stop trusting this key")
    _fleet_dir(rotate)
    rotate.set_defaults(func=_cmd_pki_rotate)

    fleet = subparsers.add_parser("fleet", help="push policy, status, rollback, user memory")
    fcmd = fleet.add_subparsers(dest="fleet_command", metavar="COMMAND", required=True)
    broker = fcmd.add_parser("broker", help="run the fleet's Mosquitto (mTLS, generated ACL)")
    broker.add_argument("--listen", metavar="HOST:PORT", default="127.0.0.1:8883",
                        help="the address to listen on, TLS with client certificates "
                        "(default 127.0.0.1:8883, this machine only; 0.0.0.0:8883 for all)")
    broker.add_argument("--server-name", action="append", default=[], metavar="NAME",
                        help="a DNS name or address devices reach the broker by, added to "
                        "its certificate (repeatable; the --listen address is added itself)")
    broker.add_argument("--port", type=int, help=argparse.SUPPRESS)  # old: 127.0.0.1:PORT
    _fleet_dir(broker)
    broker.set_defaults(func=_cmd_broker)
    push = fcmd.add_parser("push", help="staged rollout of a policy file (YAML or JSON)")
    push.add_argument("policy", type=Path, metavar="POLICY")
    where = push.add_mutually_exclusive_group(required=True)
    where.add_argument("--group")
    where.add_argument("--device")
    push.add_argument("--canary", type=float, default=0.05, help="share of devices first")
    push.add_argument("--pace", type=float, default=500.0, help="devices per second after it")
    push.add_argument("--timeout", type=float, default=30.0, help="seconds per device")
    push.add_argument("--abort-pct", type=float, default=10.0,
                      help="abort when more than this %% fail or time out ...")
    push.add_argument("--abort-min", type=int, default=10, help="... of at least this many")
    push.add_argument("--no-rollback", action="store_true")
    _fleet_dir(push)
    _broker_arg(push)
    push.set_defaults(func=_cmd_push)
    status = fcmd.add_parser("status", help="devices per applied version, failures, offline")
    status.add_argument("--group")
    status.add_argument("--json", action="store_true")
    _fleet_dir(status)
    _broker_arg(status)
    status.set_defaults(func=_cmd_status)
    rollback = fcmd.add_parser("rollback", help="re-push the previous good policy of a group")
    rollback.add_argument("--group", required=True)
    rollback.add_argument("--timeout", type=float, default=30.0)
    _fleet_dir(rollback)
    _broker_arg(rollback)
    rollback.set_defaults(func=_cmd_rollback)
    remember = fcmd.add_parser("remember", help="store a fact in a user's memory")
    remember.add_argument("user")
    remember.add_argument("key")
    remember.add_argument("value")
    remember.add_argument("--ttl", type=float, help="seconds to keep it")
    _fleet_dir(remember)
    _broker_arg(remember)
    remember.set_defaults(func=_cmd_remember)
    forget = fcmd.add_parser("forget", help="'forget that': remove a fact on every device")
    forget.add_argument("user")
    forget.add_argument("key")
    _fleet_dir(forget)
    _broker_arg(forget)
    forget.set_defaults(func=_cmd_forget)


def _fleet_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--fleet-dir", type=Path, default=DEFAULT_FLEET_DIR,
                        help="fleet directory (default: $TANDEM_FLEET_DIR or ./fleet)")


def _broker_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--broker", metavar="HOST:PORT",
                        help="default: the one `tandem fleet broker` recorded in the fleet dir")


def _paths(args: argparse.Namespace) -> Any:
    from cloud.fleet.pki import FleetPaths, PkiError

    try:
        return FleetPaths(args.fleet_dir).require()
    except PkiError as exc:
        raise TandemError(str(exc)) from None


def _broker(args: argparse.Namespace) -> tuple[str, int]:
    spec = args.broker
    if spec is None:
        record = args.fleet_dir / "broker.json"
        if not record.exists():
            raise TandemError("no broker given: pass --broker HOST:PORT or start "
                              "`tandem fleet broker` for this fleet dir")
        raw = json.loads(record.read_text())
        return str(raw["host"]), int(raw["port"])
    try:
        return host_port(spec, "--broker")
    except ValueError:
        raise TandemError(f"--broker must be HOST:PORT, got {spec!r}") from None


def _operator(args: argparse.Namespace, paths: Any, **kwargs: Any) -> Any:
    from cloud.fleet.operator import OperatorError, OperatorLink

    host, port = _broker(args)
    try:
        return OperatorLink(paths, host, port, **kwargs).start()
    except OperatorError as exc:
        raise TandemError(str(exc)) from None


# -- pki -----------------------------------------------------------------------------------


def _cmd_pki_init(args: argparse.Namespace) -> int:
    from cloud.fleet.pki import PkiError, init_fleet

    try:
        paths = init_fleet(args.fleet_dir)
    except PkiError as exc:
        raise TandemError(str(exc)) from None
    print(f"fleet CA: {paths.ca_cert}\nbroker certificate: {paths.server_cert}\n"
          f"trusted operator keys: {paths.trusted_keys}")
    return 0


def _cmd_pki_issue(args: argparse.Namespace) -> int:
    from cloud.fleet.pki import issue_device
    from cloud.fleet.registry import Registry

    paths = _paths(args)
    registry = Registry.load(paths.registry)
    try:
        registry.add(args.device_id, args.group, args.user)
        cert, key = issue_device(paths, args.device_id)
    except ValueError as exc:
        raise TandemError(str(exc)) from None
    registry.save(paths.registry)
    bundle = paths.root / "devices" / args.device_id
    bundle.mkdir(parents=True, exist_ok=True)
    for src, name in ((paths.ca_cert, "ca.crt"), (cert, "device.crt"), (key, "device.key"),
                      (paths.trusted_keys, "trusted-keys.json")):
        shutil.copyfile(src, bundle / name)
    (bundle / "device.key").chmod(0o600)
    (bundle / "device.json").write_text(json.dumps(
        {"device_id": args.device_id, "groups": args.group, "user": args.user}, indent=2) + "\n")
    print(f"{args.device_id}: certificate {cert}\ndevice bundle (copy to the device): {bundle}\n"
          "restart or SIGHUP `tandem fleet broker` to load the new ACL")
    return 0


def _cmd_pki_revoke(args: argparse.Namespace) -> int:
    from cloud.fleet.pki import PkiError, revoke_device
    from cloud.fleet.registry import Registry

    paths = _paths(args)
    try:
        serial = revoke_device(paths, args.device_id)
    except PkiError as exc:
        raise TandemError(str(exc)) from None
    registry = Registry.load(paths.registry)
    registry.remove(args.device_id)
    registry.save(paths.registry)
    print(f"{args.device_id}: certificate {serial:x} revoked in {paths.crl} and the device "
          "removed from the registry; `cloud serve --tls-fleet-dir` refuses it at once")
    pid = _broker_pid(paths.root / "broker.json")
    if pid is None:
        print("no `tandem fleet broker` runs for this fleet dir: it refuses the device from "
              "its next start")
        return 0
    before = _broker_reloads(paths.root / "broker.json")
    try:
        os.kill(pid, signal.SIGHUP)
    except PermissionError:
        raise TandemError(f"revoked, but `tandem fleet broker` (pid {pid}) belongs to another "
                          "user: run this as that user, or send it SIGHUP") from None
    deadline = time.monotonic() + 15.0
    while _broker_reloads(paths.root / "broker.json") <= before:
        if time.monotonic() > deadline or _broker_pid(paths.root / "broker.json") != pid:
            raise TandemError(f"`tandem fleet broker` (pid {pid}) did not confirm the reload "
                              "within 15 s; see its log (broker/mosquitto.log)")
        time.sleep(0.05)
    if error := _broker_record(paths.root / "broker.json").get("reload_error"):
        raise TandemError(f"`tandem fleet broker` (pid {pid}) failed to reload: {error}")
    print(f"the broker (pid {pid}) closed the device's open connections and refuses new ones")
    return 0


def _broker_record(record: Path) -> dict[str, Any]:
    try:
        raw = json.loads(record.read_text())
    except (FileNotFoundError, ValueError):
        return {}
    return raw if isinstance(raw, dict) else {}


def _broker_pid(record: Path) -> int | None:
    """The pid of the `tandem fleet broker` that wrote `record`, if it still runs."""
    pid = _broker_record(record).get("pid")
    if not isinstance(pid, int):
        return None
    try:  # a stale record's pid may be another process now: never signal that one
        if b"\0fleet\0broker" not in Path(f"/proc/{pid}/cmdline").read_bytes():
            return None
    except FileNotFoundError:
        return None
    except OSError:
        pass  # no /proc: trust the record
    return pid


def _broker_reloads(record: Path) -> int:
    reloads = _broker_record(record).get("reloads", 0)
    return reloads if isinstance(reloads, int) else 0


def _cmd_pki_rotate(args: argparse.Namespace) -> int:
    from cloud.fleet.pki import PkiError, add_signing_key, retire_signing_key

    paths = _paths(args)
    try:
        if args.retire:
            retire_signing_key(paths, args.retire)
            print(f"retired {args.retire}")
        else:
            key = add_signing_key(paths)
            print(f"new signing key {key.key_id}; ship {paths.trusted_keys} to devices before "
                  "pushing policies signed with it")
    except PkiError as exc:
        raise TandemError(str(exc)) from None
    return 0


# -- fleet ---------------------------------------------------------------------------------


def _cmd_broker(args: argparse.Namespace) -> int:
    from cloud.fleet.broker import BrokerError, Listen, PrivateBroker
    from cloud.fleet.pki import server_names
    from contract.files import atomic_write

    paths = _paths(args)
    work = paths.root / "broker"
    try:
        listen = Listen.parse(args.listen if args.port is None else str(args.port))
        listen.check_free()
        broker = PrivateBroker(paths, work_dir=work, port=listen.port, host=listen.host,
                               server_names=args.server_name)
    except BrokerError as exc:
        raise TandemError(str(exc)) from None
    stop, reload, wake = threading.Event(), threading.Event(), threading.Event()

    def on_signal(event: threading.Event) -> Any:
        def handler(*_: object) -> None:
            event.set()
            wake.set()
        return handler

    # Before the record exists, so `pki revoke` never signals a process without them.
    signal.signal(signal.SIGTERM, on_signal(stop))
    signal.signal(signal.SIGHUP, on_signal(reload))
    try:
        broker.start()
    except BrokerError as exc:
        raise TandemError(str(exc)) from None
    record = paths.root / "broker.json"
    reloads, error = 0, None

    def write_record() -> None:
        atomic_write(record, (json.dumps({"host": broker.host, "port": broker.port,
                                          "pid": os.getpid(), "reloads": reloads,
                                          "reload_error": error}) + "\n").encode())

    write_record()
    print(f"broker on {broker.listen} (TLS, client certificates); log: {broker.log}",
          flush=True)
    if not broker.listen.loopback:
        known = ", ".join(sorted(server_names(paths)))
        print(f"devices reach it by a name in its certificate: {known} (more with "
              "--server-name)", flush=True)
    try:
        while True:
            wake.wait(0.5)
            wake.clear()
            if stop.is_set():
                break
            if reload.is_set():
                reload.clear()
                try:
                    closed, error = broker.reload_acl(), None
                    print(f"reloaded ACL and CRL; {len(closed)} revoked identities "
                          "disconnected and refused", flush=True)
                except BrokerError as exc:
                    error = str(exc).splitlines()[0]
                    print(f"reload failed: {exc}", file=sys.stderr, flush=True)
                reloads += 1
                write_record()
            if not broker.running:
                print(broker.log_text(), file=sys.stderr)
                return 1
    except KeyboardInterrupt:
        pass
    finally:
        broker.stop()
        record.unlink(missing_ok=True)
    return 0


def _load_document(path: Path) -> dict[str, Any]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TandemError(f"policy file {path} not found") from None
    except yaml.YAMLError as exc:
        raise TandemError(f"{path} is not valid YAML/JSON: {str(exc).splitlines()[0]}") from None
    if not isinstance(raw, dict):
        raise TandemError(f"{path}: a policy is a mapping (version, target, routing, ...)")
    return raw


def _cmd_push(args: argparse.Namespace) -> int:
    from cloud.fleet.history import History, VersionConflict
    from cloud.fleet.pki import current_signing_key
    from cloud.fleet.registry import Registry
    from cloud.fleet.rollout import Rollout, RolloutPlan
    from contract.fleet.policy import PolicyRejected, parse_policy

    paths = _paths(args)
    document = _load_document(args.policy)
    document.setdefault("target", {"group": args.group} if args.group else
                        {"device": args.device})
    try:
        policy = parse_policy(document)
        plan = RolloutPlan(canary_share=args.canary, pace_per_s=args.pace,
                           device_timeout_s=args.timeout, abort_pct=args.abort_pct,
                           abort_min=args.abort_min, rollback=not args.no_rollback)
    except PolicyRejected as exc:
        raise TandemError(f"{args.policy}: {exc.reason}") from None
    except ValueError as exc:
        raise TandemError(str(exc)) from None
    wanted = {"group": args.group} if args.group else {"device": args.device}
    if {k: v for k, v in document["target"].items() if v is not None} != wanted:
        raise TandemError(f"{args.policy} targets {policy.target.describe()}; the command "
                          f"line says {wanted}")
    registry = Registry.load(paths.registry)
    devices = registry.members(args.group) if args.group else [args.device]
    if not devices or (args.device and args.device not in registry.devices):
        raise TandemError(f"no registered devices for {wanted}; `tandem pki issue` adds them")
    with _operator(args, paths) as operator:
        rollout = Rollout(operator, History(paths.root / "history.json"),
                          current_signing_key(paths), plan, log=print)
        try:
            result = rollout.push(document, devices, args.group)
        except VersionConflict as exc:
            raise TandemError(str(exc)) from None
    print(f"v{result.version} {result.outcome}: {result.counts()}, {len(result.offline)} "
          "offline (they apply it when they reconnect)")
    if result.outcome != "succeeded":
        print(result.abort_reason)
        return 1
    return 0


def _cmd_status(args: argparse.Namespace) -> int:
    from cloud.fleet.registry import Registry
    from cloud.fleet.status import fleet_status

    paths = _paths(args)
    registry = Registry.load(paths.registry)
    devices = registry.members(args.group) if args.group else sorted(registry.devices)
    with _operator(args, paths) as operator:
        status = fleet_status(operator, devices)
    if args.json:
        print(json.dumps({"by_version": {str(k): v for k, v in status.by_version.items()},
                          "failures": status.failures, "offline": status.offline,
                          "never_reported": status.never_reported}, indent=2))
    else:
        print(status.render())
    return 0


def _cmd_rollback(args: argparse.Namespace) -> int:
    from cloud.fleet.history import History
    from cloud.fleet.pki import current_signing_key
    from cloud.fleet.registry import Registry
    from cloud.fleet.rollout import Rollout, RolloutPlan

    paths = _paths(args)
    history = History(paths.root / "history.json")
    good = history.good_documents(f"group:{args.group}")
    if len(good) < 2:
        raise TandemError(f"group {args.group} has no earlier good policy to roll back to")
    _, document = good[-2]
    document = {**document, "version": history.next_version()}
    plan = RolloutPlan(canary_share=1.0, device_timeout_s=args.timeout, rollback=False)
    with _operator(args, paths) as operator:
        rollout = Rollout(operator, history, current_signing_key(paths), plan, log=print)
        result = rollout.push(document, Registry.load(paths.registry).members(args.group),
                              args.group)
    print(f"rolled back as v{result.version}: {result.counts()}")
    return 0 if result.outcome == "succeeded" else 1


def _memory(args: argparse.Namespace) -> Any:
    from cloud.fleet.memory import MemoryStore
    from cloud.fleet.pki import current_signing_key
    from contract.fleet import names

    paths = _paths(args)
    operator = _operator(args, paths, identity=names.CLOUD, watch=False)
    store = MemoryStore(paths.root / "memory.json",
                        publish=lambda t, p: operator.publish(t, p, wait_s=5.0),
                        key=current_signing_key(paths))
    return operator, store


def _cmd_remember(args: argparse.Namespace) -> int:
    operator, store = _memory(args)
    with operator:
        rev = store.remember(args.user, args.key, args.value, args.ttl)
    print(f"{args.user}: {args.key} remembered (revision {rev})")
    return 0


def _cmd_forget(args: argparse.Namespace) -> int:
    operator, store = _memory(args)
    with operator:
        rev = store.forget(args.user, args.key)
    print(f"{args.user}: {args.key} forgotten on every device (revision {rev})")
    return 0
