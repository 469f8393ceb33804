"""Subcommands. Each module has ``register(subparsers)``; the parser it adds sets ``func(args) -> int``."""

COMMAND_MODULES = [
    "failoverctl.commands.plan",
    "failoverctl.commands.drill",
    "failoverctl.commands.invoke",
    "failoverctl.commands.status",
    "failoverctl.commands.request",
    "failoverctl.commands.report",
    "failoverctl.commands.approvals",
    "failoverctl.commands.redrive",
    "failoverctl.commands.notify",
    "failoverctl.commands.local",
]
