"""What faces AWS: the clients, the state and audit table, the metrics."""
