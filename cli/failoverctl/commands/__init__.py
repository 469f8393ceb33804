"""Subcommands. Each module has ``register(subparsers)``; the parser it adds sets ``func(args) -> int``."""

COMMAND_MODULES = [
    "failoverctl.commands.plan",
    "failoverctl.commands.drill",
    "failoverctl.commands.invoke",
    "failoverctl.commands.ops",
    "failoverctl.commands.approvals",
    "failoverctl.commands.redrive",
    "failoverctl.commands.notify",
    "failoverctl.commands.local",
]
