"""Event-driven failover automation for AWS: the library behind the Lambda functions."""

__version__ = "0.1.0"
