"""How a server reaches a Ray cluster's job API: its address and token (from the environment) and its nodes.

`MNIST_CNN_RAY_ADDRESS` is the head's dashboard address (`http://127.0.0.2:8265`); Ray's token authentication is
on, and the token comes from `MNIST_CNN_RAY_TOKEN` or, better, the file `MNIST_CNN_RAY_TOKEN_FILE` names (mode
0600). Requests without it are refused by Ray (401), so nobody else on the network can run code on the cluster.
"""

import json
import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

# The environment variables that turn the Ray engine on and carry its token.
ADDRESS_VARIABLE = "MNIST_CNN_RAY_ADDRESS"
TOKEN_VARIABLE = "MNIST_CNN_RAY_TOKEN"
TOKEN_FILE_VARIABLE = "MNIST_CNN_RAY_TOKEN_FILE"
# A request to the head's HTTP API gives up after this many seconds.
REQUEST_TIMEOUT_SECONDS = 10


class RayConnectionError(RuntimeError):
    """The Ray cluster could not be reached or refused the request; the message says which."""


@dataclass(frozen=True)
class RayConnection:
    """A Ray head's job API address (`http://host:port`) and the token it requires."""

    address: str
    token: str

    @property
    def headers(self) -> dict:
        """The HTTP headers every request carries: Ray's bearer token."""
        return {"Authorization": f"Bearer {self.token}"}

    def make_client(self, timeout: float = REQUEST_TIMEOUT_SECONDS):
        """Ray's JobSubmissionClient for this cluster, sending the token with every request and giving up on one
        after `timeout` seconds (Ray's own client waits as long as the network lets it)."""
        from ray.job_submission import JobSubmissionClient

        class TimedJobSubmissionClient(JobSubmissionClient):
            def _do_request(self, method, endpoint, **kwargs):  # Ray passes further keywords on to requests
                return super()._do_request(method, endpoint, **{"timeout": timeout, **kwargs})

        return TimedJobSubmissionClient(self.address, headers=self.headers)


def read_token(environ=None) -> str:
    """The cluster's token from MNIST_CNN_RAY_TOKEN or the file MNIST_CNN_RAY_TOKEN_FILE; ValueError if neither."""
    environ = os.environ if environ is None else environ
    if environ.get(TOKEN_VARIABLE):
        return environ[TOKEN_VARIABLE].strip()
    if environ.get(TOKEN_FILE_VARIABLE):
        try:
            return Path(environ[TOKEN_FILE_VARIABLE]).read_text().strip()
        except OSError as error:
            raise ValueError(f"The Ray token file {environ[TOKEN_FILE_VARIABLE]} cannot be read: {error}") from error
    raise ValueError(f"{ADDRESS_VARIABLE} is set but no token is: set {TOKEN_FILE_VARIABLE} (a file holding the "
                     f"cluster's token) or {TOKEN_VARIABLE}; the cluster's job API runs code and must not be open.")


def connection_from_environment(environ=None) -> RayConnection | None:
    """The Ray cluster named by MNIST_CNN_RAY_ADDRESS (with its token), or None when it is unset."""
    environ = os.environ if environ is None else environ
    address = environ.get(ADDRESS_VARIABLE, "").strip()
    if not address:
        return None
    if "://" not in address:
        address = f"http://{address}"
    return RayConnection(address.rstrip("/"), read_token(environ))


def request_json(connection: RayConnection, path: str) -> dict:
    """GET a path of the head's HTTP API with the token; its JSON. RayConnectionError when it fails."""
    request = urllib.request.Request(f"{connection.address}{path}", headers=connection.headers)
    try:
        with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT_SECONDS) as response:
            return json.load(response)
    except urllib.error.HTTPError as error:
        raise RayConnectionError(f"The Ray cluster at {connection.address} answered {error.code} "
                                 f"({error.reason}) to {path}.") from error
    except (OSError, ValueError) as error:
        raise RayConnectionError(f"The Ray cluster at {connection.address} cannot be reached: {error}") from error


def list_alive_nodes(connection: RayConnection) -> list[dict]:
    """The cluster's live nodes, each {"ip", "resources"} (its total resources: CPU, GPU, custom ones)."""
    answer = request_json(connection, "/api/v0/nodes?limit=1000")
    nodes = answer["data"]["result"]["result"]
    return [{"ip": node["node_ip"], "resources": node.get("resources_total") or {}}
            for node in nodes if node.get("state") == "ALIVE"]


def nodes_offering(connection: RayConnection, resources: dict) -> list[str]:
    """The addresses of live nodes that have at least the given resources ({"GPU": 1}, {"trainer": 1})."""
    return [node["ip"] for node in list_alive_nodes(connection)
            if all(node["resources"].get(name, 0) >= amount for name, amount in resources.items())]
