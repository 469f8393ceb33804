"""``failoverctl plan discover``: read an account (read-only) and write a draft plan with a note on every guess.

``scan`` reads the resources a plan can name; ``draft`` groups them, orders the stages and
writes the YAML (``render``). The draft is validated with the plan's own models before it is
written, so what discovery writes, ``failoverctl plan check`` accepts.
"""
