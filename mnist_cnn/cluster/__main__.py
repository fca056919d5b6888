"""`python -m mnist_cnn.cluster up --replicas N` / `down`: a cluster of replicas on this machine (see cluster.py)."""

import argparse
import sys
from pathlib import Path

from mnist_cnn.cluster.cluster import DEFAULT_FOLDER, ClusterSettings, bring_down, bring_up
from mnist_cnn.cluster.haproxy import HAProxyError
from mnist_cnn.cluster.postgres import PostgresError


def parse_arguments(arguments: list[str]) -> argparse.Namespace:
    """The command line: up (with its ports and replica count) or down."""
    parser = argparse.ArgumentParser(prog="python -m mnist_cnn.cluster", description=__doc__)
    parser.add_argument("action", choices=["up", "down"])
    parser.add_argument("--replicas", type=int, default=2, help="Streamlit processes (one core each)")
    parser.add_argument("--port", type=int, default=8500, help="HAProxy's port: the URL students open")
    parser.add_argument("--first-replica-port", type=int, default=8601)
    parser.add_argument("--database-port", type=int, default=5433)
    parser.add_argument("--ray", action="store_true",
                        help="also start a Ray head and worker node (127.0.0.2, 127.0.0.3) that run training jobs")
    parser.add_argument("--ray-port", type=int, default=6390, help="the Ray head's port (where nodes join)")
    parser.add_argument("--ray-dashboard-port", type=int, default=8265, help="the Ray head's job API port")
    parser.add_argument("--folder", type=Path, default=DEFAULT_FOLDER, help="where its data, logs and pids live")
    return parser.parse_args(arguments)


def main(arguments: list[str] | None = None) -> int:
    """Run the command; 0 on success, 1 with a message on failure."""
    options = parse_arguments(sys.argv[1:] if arguments is None else arguments)
    settings = ClusterSettings(folder=options.folder, replicas=options.replicas, port=options.port,
                               first_replica_port=options.first_replica_port, database_port=options.database_port,
                               ray=options.ray, ray_port=options.ray_port,
                               ray_dashboard_port=options.ray_dashboard_port)
    try:
        if options.action == "down":
            stopped = bring_down(settings)
            print(f"Stopped: {', '.join(stopped)}." if stopped else "Nothing was running.")
            return 0
        url = bring_up(settings)
    except (ValueError, RuntimeError, PostgresError, HAProxyError) as error:  # RayNodeError is a RuntimeError
        print(f"error: {error}", file=sys.stderr)
        return 1
    ray = f"; training jobs run on Ray at {settings.ray_settings.address}" if settings.ray else ""
    print(f"{settings.replicas} replicas behind HAProxy: open {url}{ray}  (logs in {settings.folder / 'logs'}; "
          f"stop with `python -m mnist_cnn.cluster down`)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
