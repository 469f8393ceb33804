"""The failover command line: drills on the simulated AWS, plan checks, discovery and evaluation, operations."""

__version__ = "0.1.0"
