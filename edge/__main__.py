"""The `edge` command: demo, serve, migrate, check-config, route, simulate."""

from __future__ import annotations

import argparse
import logging
import secrets
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from edge.config import ConfigError, Settings, load_settings
from edge.warehouse import DescriptionError


def _settings(args: argparse.Namespace, **overrides: object) -> Settings:
    return load_settings(Path(args.config) if args.config else None, **overrides)


def _wait_for_ctrl_c() -> None:
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    while not stop.wait(0.5):
        pass


def cmd_demo(args: argparse.Namespace) -> int:
    from cloud_sync.pull.demo_cloud import DemoCloud
    from edge import app as edge_app
    from edge.demo import DemoActors, EmbeddedBroker, demo_api_key, devices_from_description
    from edge.demo_stock import banner_lines
    from edge.devices.simulator import SimOptions, Simulator

    data_dir = Path(args.data_dir)
    if args.port and not edge_app.port_is_free(args.host, args.port):
        print(f"port {args.port} is in use; the demo takes a free port instead", flush=True)
        args.port = 0
    key = demo_api_key(data_dir)
    cloud_key = secrets.token_urlsafe(24)  # the demo's cloud consumer: a new key each run
    broker_port = edge_app.free_port()
    broker = EmbeddedBroker(broker_port)
    broker.start()
    settings = load_settings(
        None,
        data_dir=data_dir,
        database="demo.db",
        mqtt={"host": "127.0.0.1", "port": broker_port},
        http={"host": args.host, "port": args.port},
        api={
            "clients": {
                "demo": {"roles": ["admin"], "keys": [key]},
                "cloud": {"roles": ["feed"], "keys": [cloud_key]},
            }
        },
    )
    desc = edge_app.warehouse_from_settings(settings)
    running = edge_app.start(settings, desc)
    simulated = devices_from_description(desc)
    sim = Simulator(
        "127.0.0.1",
        broker_port,
        settings.mqtt.topic_root,
        settings.site,
        simulated,
        lambda _device: None,
        SimOptions(seed=1),
        # Counting people find what the bin physically holds (actors is set just below).
        count_oracle=lambda bin_label, sku: actors.count_oracle(bin_label, sku),
    )

    def weigh(station: str, readings: Sequence[tuple[int, bool]]) -> None:
        scale = sim.scale_at(station)
        if scale is not None:
            scale.weigh(readings)

    actors = DemoActors(
        running.service, running.service.catalog(), order_every_s=args.order_every, weigh=weigh
    )
    actors.start()
    sim.start()
    cloud = DemoCloud(running.url, cloud_key)
    cloud.start()
    # What the simulator leaves for the person trying the demo: handhelds and badges.
    free = [
        d for d in desc.devices if d.kind == "scanner" and d.id not in {s.id for s in simulated}
    ]
    taken = {s.badge for s in simulated if s.badge}
    spare = [s for s in desc.staff if s.badge not in taken]
    print(f"Warehouse edge demo is running: {running.url}/", flush=True)
    print(f"  handheld (pickers, packers): {running.url}/handheld", flush=True)
    print(f"  supervisor view: {running.url}/supervisor   API docs: {running.url}/docs", flush=True)
    print(f"  demo API key (X-API-Key, client demo, role admin): {key}", flush=True)
    print(
        "  cloud: the consumer 'cloud' pulls the feed, verifies and acknowledges it"
        " (the supervisor view shows its backlog; edge-cloud-pull does it into PostgreSQL)",
        flush=True,
    )
    print(
        "  handhelds for you: "
        + ", ".join(
            f"{d.id}" + (f" (pack station {d.station})" if d.station else "") for d in free
        ),
        flush=True,
    )
    print(
        "  badges for you (no PIN): " + ", ".join(f"{s.badge} {s.name}, {s.role}" for s in spare),
        flush=True,
    )
    for line in banner_lines(actors.for_people):
        print(line, flush=True)
    print(f"  database: {settings.database_path}   broker: embedded on port {broker_port}")
    print("Press Ctrl-C to stop.", flush=True)
    try:
        _wait_for_ctrl_c()
    finally:
        print("Stopping…", flush=True)
        cloud.stop()
        sim.stop()
        actors.stop()
        running.stop()
        broker.stop()
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from edge import app as edge_app

    settings = _settings(args)
    if not any(client.keys for client in settings.api.clients.values()):
        raise ConfigError(
            "api.clients: configure at least one API client with a key, e.g. [api.clients.shop]"
            ' roles = ["intake"] and EDGE_API__CLIENTS__SHOP__KEYS=\'["…"]\''
        )
    desc = edge_app.warehouse_from_settings(settings)
    running = edge_app.start(settings, desc)
    print(
        f"edge serving at {running.url}/ (broker {settings.mqtt.host}:{settings.mqtt.port})",
        flush=True,
    )
    try:
        _wait_for_ctrl_c()
    finally:
        running.stop()
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    from edge.store import Database

    settings = _settings(args)
    db = Database(settings.database_path)
    version = db.writer.execute("PRAGMA user_version").fetchone()[0]
    db.close()
    print(f"{settings.database_path}: schema version {version}")
    return 0


def cmd_check_config(args: argparse.Namespace) -> int:
    from edge.app import check_site, warehouse_from_settings

    settings = _settings(args)
    desc = warehouse_from_settings(settings)
    check_site(settings, desc)
    print(
        f"config ok: site {settings.site}, warehouse {desc.site.id} with {len(desc.bins)} bins,"
        f" {len(desc.skus)} SKUs, {len(desc.devices)} devices"
    )
    for name, client in settings.api.clients.items():
        keys = f"{len(client.keys)} key(s)" if client.keys else "no key: cannot call"
        print(f"  API client {name}: roles {', '.join(client.roles)}; {keys}")
    return 0


def cmd_simulate(args: argparse.Namespace) -> int:
    from edge.app import warehouse_from_settings
    from edge.demo import devices_from_description
    from edge.devices.simulator import SimOptions, Simulator

    settings = _settings(args)
    desc = warehouse_from_settings(settings)
    passwords: dict[str, str] = {}
    if args.passwords:
        for line in Path(args.passwords).read_text().splitlines():
            if ":" in line:
                user, _, pw = line.partition(":")
                passwords[user.strip()] = pw.strip()
    sim = Simulator(
        settings.mqtt.host,
        settings.mqtt.port,
        settings.mqtt.topic_root,
        settings.site,
        devices_from_description(desc),
        passwords.get,
        SimOptions(seed=args.seed),
    )
    sim.start()
    print(
        f"simulating {len(desc.devices)} devices against {settings.mqtt.host}:"
        f"{settings.mqtt.port}; Ctrl-C stops",
        flush=True,
    )
    try:
        _wait_for_ctrl_c()
    finally:
        sim.stop()
    return 0


def cmd_hash_pin(args: argparse.Namespace) -> int:
    """Read a PIN without echo and print the pin_hash for a staff entry."""
    import getpass

    from edge.staff import hash_pin

    pin = getpass.getpass("PIN: ") if sys.stdin.isatty() else sys.stdin.readline().strip()
    if not pin.isdigit() or not 4 <= len(pin) <= 12:
        raise ConfigError("PIN: use 4 to 12 digits")
    print(hash_pin(pin))
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="edge", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="run everything on embedded defaults with simulated devices")
    demo.add_argument("--data-dir", default="data/demo", help="where the demo keeps its files")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8080, help="HTTP port (0 = any free port)")
    demo.add_argument("--order-every", type=float, default=4.0, help="seconds between orders")
    demo.set_defaults(func=cmd_demo)
    for name, func, text in (
        ("serve", cmd_serve, "run the service against the configured broker"),
        ("migrate", cmd_migrate, "create or upgrade the database schema"),
        ("check-config", cmd_check_config, "validate the config and the warehouse file"),
    ):
        sp = sub.add_parser(name, help=text)
        sp.add_argument("--config", help="TOML config file (EDGE_* environment overrides it)")
        sp.set_defaults(func=func)
    sim = sub.add_parser("simulate", help="simulated devices against a running service's broker")
    sim.add_argument("--config", help="TOML config file")
    sim.add_argument("--passwords", help="file of device:password lines for the broker")
    sim.add_argument("--seed", type=int, default=1)
    sim.set_defaults(func=cmd_simulate)
    pin = sub.add_parser("hash-pin", help="make a staff entry's pin_hash from a PIN on stdin")
    pin.set_defaults(func=cmd_hash_pin)
    route = sub.add_parser("route", help="plan a pick route through bin labels", add_help=False)
    route.set_defaults(func=None)
    return p


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if argv and argv[0] == "route":
        from edge.routing.cli import main as route_main

        return route_main(argv[1:])
    args = parser().parse_args(argv)
    try:
        result: int = args.func(args)
        return result
    except (ConfigError, DescriptionError) as exc:
        print(f"edge: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"edge: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
