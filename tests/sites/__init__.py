"""Local replicas of the target sites, served over real HTTP on 127.0.0.1 (see server.py)."""

from .server import ReplicaServer

__all__ = ["ReplicaServer"]
